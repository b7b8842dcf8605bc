/* The responder's page: "Share my location with dispatch". Only after the responder taps it
 * (their consent; the browser asks for permission too), only while they are on the team of an
 * open incident; at most one report every 30 s, or sooner when the phone moved 50 m. Tapping
 * again, or the incident ending (the server answers 409), stops the watch and forgets the
 * location. A reload resumes sharing when it was on. No dependency. */
(function () {
  "use strict";

  var EVERY_MS = 30000;
  var MOVED_M = 50;
  var section = document.getElementById("location-sharing");
  var button = document.getElementById("share-location");
  var status = document.getElementById("location-status");
  if (!section || !button) { return; }
  var watch = null;
  var last = null;  // {at, lat, lon} of the last report

  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(key) { status.textContent = section.dataset[key] || ""; }

  function show(on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? section.dataset.labelOn : section.dataset.labelOff;
  }

  function post(fields) {
    var body = new URLSearchParams(fields);
    return fetch(section.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin",
    });
  }

  function metres(a, b) {
    var rad = Math.PI / 180;
    var x = (b.lon - a.lon) * rad * Math.cos((a.lat + b.lat) * rad / 2);
    var y = (b.lat - a.lat) * rad;
    return Math.sqrt(x * x + y * y) * 6371000;
  }

  function stop(forget) {
    if (watch !== null && navigator.geolocation) { navigator.geolocation.clearWatch(watch); }
    watch = null;
    last = null;
    show(false);
    if (forget) { post({ stop: "1" }); }
  }

  function report(position) {
    var here = { at: Date.now(), lat: position.coords.latitude, lon: position.coords.longitude };
    if (last && here.at - last.at < EVERY_MS && metres(last, here) < MOVED_M) { return; }
    last = here;
    post({
      latitude: here.lat.toFixed(6),
      longitude: here.lon.toFixed(6),
      accuracy: String(Math.round(position.coords.accuracy || 0)),
    }).then(function (response) {
      if (response.status === 204) { say("textOn"); return; }
      stop(false);
      say("textEnded");
    });
  }

  function start() {
    if (!navigator.geolocation) { say("textUnsupported"); return; }
    show(true);
    watch = navigator.geolocation.watchPosition(report, function () {
      stop(true);
      say("textDenied");
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  }

  button.addEventListener("click", function () {
    if (watch !== null) { stop(true); say("textOff"); } else { start(); }
  });
  if (section.dataset.sharing === "true") { start(); }
})();
