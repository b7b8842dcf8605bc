/* The console's browser phone (hotline.softphone), with Twilio's Voice JavaScript SDK
 * (static/vendor/twilio-voice/twilio.min.js, window.Twilio.Device).
 *
 * On a console whose dispatcher opted in: check the microphone, fetch a short-lived access
 * token (POST, CSRF), register with Twilio, and tell the server the browser is ready to be rung
 * (renewed with every token). Whatever goes wrong (no microphone, no token, Twilio unreachable
 * within the timeout, the page closing) tells the server "off": the dispatcher is then rung on
 * their phone only, and the status line says so. Calls: answer, decline, mute, hang up; "Hold /
 * transfer…" opens the intake's call-control panel in a new tab, so this page (and the call)
 * stays. All texts come translated from the panel's data-msg-* attributes.
 * The panel's data-state is the machine-readable state (for the browser tests).
 */
(function () {
  "use strict";

  var panel = document.getElementById("softphone");
  if (!panel || panel.dataset.optedIn !== "1") { return; }

  var statusLine = document.getElementById("softphone-status");
  var callerLine = document.getElementById("softphone-caller");
  var buttons = {
    answer: document.getElementById("softphone-answer"),
    decline: document.getElementById("softphone-decline"),
    mute: document.getElementById("softphone-mute"),
    hangup: document.getElementById("softphone-hangup")
  };
  var control = document.getElementById("softphone-control");
  var device = null;
  var call = null;
  var connectTimer = null;
  var retryTimer = null;
  var NOT_ON_SHIFT_RETRY_MS = 5 * 60 * 1000;
  var SOUND_NAMES = ["incoming", "outgoing", "disconnect", "dtmf0", "dtmf1", "dtmf2", "dtmf3", "dtmf4",
    "dtmf5", "dtmf6", "dtmf7", "dtmf8", "dtmf9", "dtmfs", "dtmfh"];

  function message(state) {
    var key = "msg" + state.split("-").map(function (part) {
      return part.charAt(0).toUpperCase() + part.slice(1);
    }).join("");
    return panel.dataset[key] || "";
  }

  function setState(state) {
    panel.dataset.state = state;
    statusLine.textContent = message(state);
    var ringing = state === "ringing";
    var talking = state === "on-call" || state === "muted";
    buttons.answer.hidden = !ringing;
    buttons.decline.hidden = !ringing;
    buttons.mute.hidden = !talking;
    buttons.hangup.hidden = !talking;
    control.hidden = !(talking && control.dataset.href);
    if (!ringing && !talking) { callerLine.textContent = ""; }
    var retry = document.getElementById("softphone-retry");
    if (retry) { retry.hidden = ["cannot-connect", "no-microphone"].indexOf(state) === -1; }
  }

  function post(url, fields) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", panel.dataset.csrf);
    Object.keys(fields || {}).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRFToken": panel.dataset.csrf }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function presence(ready) {
    return post(panel.dataset.presenceUrl, { state: ready ? "ready" : "off" }).catch(function () { return null; });
  }

  function stopDevice() {
    window.clearTimeout(connectTimer);
    connectTimer = null;
    if (device) {
      var old = device;
      device = null;
      try { old.destroy(); } catch (e) { /* already gone */ }
    }
  }

  // The browser cannot take calls: say so, and have the server ring the phone only.
  function fallBack(state) {
    stopDevice();
    call = null;
    setState(state);
    presence(false);
  }

  function fetchToken() {
    return post(panel.dataset.tokenUrl, {}).then(function (result) {
      if (!result.ok || !result.data.token) {
        var refused = new Error("token refused");
        refused.reason = (result.data && result.data.error) || "refused";
        throw refused;
      }
      return result.data.token;
    });
  }

  function microphone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("no getUserMedia"));
    }
    return navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    });
  }

  function showCaller(incoming) {
    var parameters = incoming.customParameters;
    var language = parameters && parameters.get ? parameters.get("language") : "";
    var intakeUrl = parameters && parameters.get ? parameters.get("intake_url") : "";
    callerLine.textContent = language ? panel.dataset.msgLanguage + " " + language : "";
    // Only a path on this site: never a link somewhere else.
    if (intakeUrl && intakeUrl.charAt(0) === "/" && intakeUrl.charAt(1) !== "/") {
      control.dataset.href = intakeUrl + "#call-control";
      control.href = control.dataset.href;
    } else {
      delete control.dataset.href;
      control.href = "#";
    }
  }

  function onIncoming(incoming) {
    if (call) { incoming.reject(); return; }
    call = incoming;
    buttons.mute.setAttribute("aria-pressed", "false");
    buttons.mute.textContent = panel.dataset.labelMute;
    showCaller(incoming);
    setState("ringing");
    buttons.answer.focus();
    incoming.on("accept", function () { setState("on-call"); buttons.hangup.focus(); });
    incoming.on("disconnect", function () { call = null; setState("ended"); });
    // The caller hung up, or another volunteer answered first.
    incoming.on("cancel", function () { call = null; setState("taken"); });
    incoming.on("reject", function () { call = null; setState("ready"); });
    incoming.on("error", function (error) {
      call = null;
      // 31401/31208: the browser refused the microphone when the call was answered.
      if (error && (error.code === 31401 || error.code === 31208)) { fallBack("no-microphone"); return; }
      setState("ready");
    });
  }

  function register(token) {
    var sounds = {};
    SOUND_NAMES.forEach(function (name) { sounds[name] = panel.dataset.ringUrl; });
    device = new window.Twilio.Device(token, {
      sounds: sounds,  // our own file: nothing fetched from sdk.twilio.com
      publishEvents: false,  // no call-quality reports to Twilio's event gateway
      closeProtection: true,
      logLevel: "silent"
    });
    device.audio.outgoing(false);
    device.audio.disconnect(false);
    device.on("registered", function () {
      window.clearTimeout(connectTimer);
      if (!call) { setState("ready"); }
      presence(true);
    });
    // Lost the connection to Twilio: never while a call is up (it may come back; the call
    // goes on over its own media path).
    device.on("unregistered", function () { if (device && !call) { fallBack("cannot-connect"); } });
    device.on("error", function () {
      if (!call) { fallBack("cannot-connect"); }
    });
    device.on("incoming", onIncoming);
    device.on("tokenWillExpire", function () {
      fetchToken().then(function (fresh) {
        if (device) { device.updateToken(fresh); presence(true); }
      }).catch(function (error) { if (!call) { refused(error); } });
    });
    connectTimer = window.setTimeout(function () {
      if (panel.dataset.state === "starting") { fallBack("cannot-connect"); }
    }, parseInt(panel.dataset.connectTimeoutMs || "15000", 10));
    return device.register();
  }

  function refused(error) {
    var reason = error && error.reason;
    if (reason === "not_on_shift") {
      fallBack("not-on-shift");
      retryTimer = window.setTimeout(start, NOT_ON_SHIFT_RETRY_MS);
    } else if (reason) {
      fallBack("refused");
    } else {
      fallBack("cannot-connect");
    }
  }

  function start() {
    window.clearTimeout(retryTimer);
    stopDevice();
    setState("starting");
    if (!window.Twilio || !window.Twilio.Device) { fallBack("cannot-connect"); return; }
    microphone().then(function () {
      return fetchToken().then(register, refused);
    }, function () {
      fallBack("no-microphone");
    }).catch(function () {
      if (panel.dataset.state === "starting") { fallBack("cannot-connect"); }
    });
  }

  buttons.answer.addEventListener("click", function () { if (call) { call.accept(); } });
  buttons.decline.addEventListener("click", function () { if (call) { call.reject(); } });
  buttons.hangup.addEventListener("click", function () { if (call) { call.disconnect(); } });
  buttons.mute.addEventListener("click", function () {
    if (!call) { return; }
    var muted = !call.isMuted();
    call.mute(muted);
    buttons.mute.setAttribute("aria-pressed", muted ? "true" : "false");
    buttons.mute.textContent = muted ? panel.dataset.labelUnmute : panel.dataset.labelMute;
    setState(muted ? "muted" : "on-call");
  });

  var retry = document.getElementById("softphone-retry");
  if (retry) { retry.addEventListener("click", start); }

  // Leaving the console (or closing it): this browser can no longer be rung.
  window.addEventListener("pagehide", function () {
    if (!navigator.sendBeacon) { return; }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", panel.dataset.csrf);
    body.append("state", "off");
    navigator.sendBeacon(panel.dataset.presenceUrl, body);
  });

  // Back from the browser's page cache: the server was told "off" when the page was left.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { start(); } });

  start();
})();
