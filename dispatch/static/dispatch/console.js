/* Dispatch console: a visible and audible cue for new intakes and alerts, focus kept across
 * the htmx refresh of the queue, and single-key shortcuts (n, i, a, m) outside form fields.
 * Alarms (the red banner) are announced in the assertive live region and always sound (the
 * sound toggle mutes the intake and alert beeps only), again every ten seconds until a
 * dispatcher acknowledges them. Browsers let a page play sound only after a click or key
 * press on it: until then a hint asks for one. window.dispatchAlarmSounds counts the alarm
 * sounds played (for the browser tests).
 * No dependency but htmx; the beep is generated with WebAudio (no sound file, no CDN). */
(function () {
  "use strict";

  var soundKey = "dispatch-console-sound";
  var audio = null;
  var last = { intake: null, alerts: null, alarms: null, alarmSoundAt: 0 };
  var ALARM_REPEAT_MS = 10000;
  window.dispatchAlarmSounds = 0;
  var focusedId = null;
  var fresh = {};  // intake id -> time it arrived; highlighted for a minute
  var FRESH_MS = 60000;

  function soundOn() {
    try { return window.localStorage.getItem(soundKey) === "on"; } catch (e) { return false; }
  }

  function setSound(on) {
    try { window.localStorage.setItem(soundKey, on ? "on" : "off"); } catch (e) { /* private mode */ }
    var button = document.getElementById("sound-toggle");
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? button.dataset.labelOn : button.dataset.labelOff;
    }
    if (on) { unlockAudio(); beep(1); }
  }

  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "suspended") { audio.resume(); }
  }

  function beep(times) {
    if (!soundOn() || !audio) { return; }
    var start = audio.currentTime;
    for (var i = 0; i < times; i++) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = i % 2 ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, start + i * 0.3);
      gain.gain.exponentialRampToValueAtTime(0.3, start + i * 0.3 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.3 + 0.25);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + i * 0.3);
      oscillator.stop(start + i * 0.3 + 0.26);
    }
  }

  function alarmSound() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return false; }
    if (!audio) { audio = new Context(); }
    var hint = document.getElementById("sound-hint");
    if (audio.state !== "running") {
      if (hint) { hint.hidden = false; }
      return false;
    }
    if (hint) { hint.hidden = true; }
    var start = audio.currentTime;
    for (var i = 0; i < 6; i++) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = i % 2 ? 740 : 988;
      gain.gain.setValueAtTime(0.0001, start + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.35, start + i * 0.25 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.25 + 0.22);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + i * 0.25);
      oscillator.stop(start + i * 0.25 + 0.23);
    }
    window.dispatchAlarmSounds += 1;
    document.body.dataset.alarmSounds = String(window.dispatchAlarmSounds);
    return true;
  }

  function checkAlarms(state, now) {
    var ids = (state.dataset.alarmKey || "").split(",").filter(Boolean);
    var known = last.alarms || [];
    var fresh = ids.filter(function (id) { return known.indexOf(id) === -1; });
    if (fresh.length) {
      announce(fresh.map(function (id) {
        var item = document.getElementById("alarm-" + id);
        return item ? item.dataset.announce : "";
      }).join(" "), true);
    }
    var hint = document.getElementById("sound-hint");
    if (!ids.length && hint) { hint.hidden = true; }
    if (ids.length && (fresh.length || now - last.alarmSoundAt > ALARM_REPEAT_MS)) {
      if (alarmSound()) { last.alarmSoundAt = now; }
    }
    last.alarms = ids;
  }

  // New intakes are announced politely (after what the screen reader is saying); alarms
  // (incidents short of acknowledgements) interrupt, through the assertive region.
  function announce(text, urgent) {
    var region = document.getElementById(urgent ? "live-alarm" : "live-announcer");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function checkQueue() {
    var state = document.getElementById("queue-state");
    if (!state) { return; }
    var newest = parseInt(state.dataset.newestIntake || "0", 10);
    var alerts = state.dataset.alertKey || "";
    var now = Date.now();
    if (last.intake !== null && newest > last.intake) {
      document.querySelectorAll("[data-intake]").forEach(function (row) {
        if (parseInt(row.dataset.intake, 10) > last.intake) { fresh[row.dataset.intake] = now; }
      });
      announce(state.dataset.newIntakeText);
      beep(2);
    }
    var anyFresh = false;
    Object.keys(fresh).forEach(function (id) {
      if (now - fresh[id] > FRESH_MS) { delete fresh[id]; return; }
      var row = document.getElementById("intake-row-" + id);
      if (row) { row.classList.add("intake-new"); anyFresh = true; }
    });
    document.title = (anyFresh ? "● " : "") + document.title.replace(/^● /, "");
    if (last.alerts !== null && alerts && alerts !== last.alerts) {
      announce(state.dataset.alertText, true);
      beep(3);
    }
    last.intake = Math.max(newest, last.intake || 0);
    last.alerts = alerts;
    checkAlarms(state, now);
  }

  // A key typed into a field (or a Korean word being composed) is text, never a shortcut.
  function typing(event) {
    var element = event.target;
    if (event.isComposing || event.keyCode === 229) { return true; }
    if (!element || !element.closest) { return false; }
    return element.isContentEditable ||
      !!element.closest("input, textarea, select, [contenteditable], [role=textbox], [role=combobox], [role=searchbox]");
  }

  function focusFirst(selector) {
    var element = document.querySelector(selector);
    if (element) { element.focus(); element.scrollIntoView({ block: "center" }); }
    return element;
  }

  document.addEventListener("keydown", function (event) {
    unlockForAlarms();
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented || typing(event)) { return; }
    if (event.key === "n") {
      if (focusFirst("[data-queue-action]")) { event.preventDefault(); }
    } else if (event.key === "i") {
      if (focusFirst("[data-incident-link]")) { event.preventDefault(); }
    } else if (event.key === "a") {
      if (focusFirst("[data-alert]")) { event.preventDefault(); }
    } else if (event.key === "m") {
      event.preventDefault();
      setSound(!soundOn());
    }
  });

  function unlockForAlarms() {
    unlockAudio();
    // An alarm waiting for the browser to allow sound sounds at the first click or key.
    if (last.alarms && last.alarms.length && !last.alarmSoundAt && audio) {
      audio.resume().then(function () { if (alarmSound()) { last.alarmSoundAt = Date.now(); } });
    }
  }

  document.addEventListener("click", unlockForAlarms);

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusedId = active && active.id && event.detail.target.contains(active) ? active.id : null;
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "queue") { return; }
    if (focusedId) {
      var again = document.getElementById(focusedId);
      if (again) { again.focus({ preventScroll: true }); }
    }
    checkQueue();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("sound-toggle");
    if (button) {
      button.addEventListener("click", function () { setSound(!soundOn()); });
      button.setAttribute("aria-pressed", soundOn() ? "true" : "false");
      button.textContent = soundOn() ? button.dataset.labelOn : button.dataset.labelOff;
    }
    checkQueue();
  });
})();
