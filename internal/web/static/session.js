// The console session ends at a fixed time (access.SessionLifetime after
// sign-in). Fifteen minutes before, and again when it has ended, the box
// at the top of the content says so (role="alert": read out once each
// time), so that a long form is submitted, or its text kept, before the
// next submission would be refused for want of a session.
(function () {
  "use strict";
  var el = document.getElementById("session-expiry");
  var box = document.getElementById("session-warning");
  if (!el || !box) {
    return;
  }
  var expires = Date.parse(el.getAttribute("data-expires"));
  var clock = el.getAttribute("data-clock");
  if (isNaN(expires)) {
    return;
  }
  var warnBefore = 15 * 60 * 1000;
  function check() {
    var left = expires - Date.now();
    var text = "";
    if (left <= 0) {
      text = "登录已于" + clock + "过期：此时提交的内容不会被保存。请先将页面上尚未提交的内容另行保存，再重新登录。";
    } else if (left <= warnBefore) {
      text = "登录将于" + clock + "过期，请尽快提交正在填写的内容；过期后需重新登录，未提交的内容不会保留。";
    }
    if (box.textContent !== text) {
      box.textContent = text;
    }
    box.hidden = text === "";
  }
  check();
  window.setInterval(check, 20000);
})();
