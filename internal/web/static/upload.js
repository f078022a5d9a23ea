// Upload with a progress bar. Without JavaScript the form posts normally;
// with it, the file goes through XMLHttpRequest so that the upload progress
// can be shown, and the browser then opens the receipt the server redirects to.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var text = document.getElementById("upload-text");
  var button = form.querySelector("button[type=submit]");
  var src = document.currentScript ? document.currentScript.src : "/static/upload.js";

  function show(message, value) {
    box.hidden = false;
    text.textContent = message;
    if (value === null) {
      bar.removeAttribute("value");
    } else {
      bar.value = value;
    }
  }

  form.addEventListener("submit", function (ev) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files || file.files.length === 0) {
      return; // let the server explain
    }
    ev.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    if (form.elements.csrf_token) {
      xhr.setRequestHeader("X-CSRF-Token", form.elements.csrf_token.value);
    }
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var pct = Math.round((e.loaded / e.total) * 100);
        show("正在上传：" + pct + "%", pct);
        if (e.loaded === e.total) {
          show("上传完成，正在校验和入库，请稍候……", null);
        }
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL && xhr.responseURL.indexOf("/console/batches/") !== -1) {
        window.location.assign(xhr.responseURL);
        return;
      }
      if (xhr.status === 401) {
        window.location.assign("/login?next=" + encodeURIComponent("/console/upload"));
        return;
      }
      // Show the server's page (the form with its error message).
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var main = doc.querySelector("main");
      var here = document.querySelector("main");
      if (main && here) {
        here.innerHTML = main.innerHTML;
        if (doc.title) {
          document.title = doc.title; // “错误：…”
        }
        // Focus the error box, as focus.js does on a page load.
        var box = here.querySelector('[role="alert"][tabindex="-1"]');
        if (box) {
          box.focus();
        }
        var again = document.createElement("script");
        again.src = src;
        document.body.appendChild(again);
      } else {
        show("上传失败（HTTP " + xhr.status + "），请稍后重试。", 0);
        button.disabled = false;
      }
    });
    xhr.addEventListener("error", function () {
      show("网络错误，上传未完成，请检查网络后重试。", 0);
      button.disabled = false;
    });
    button.disabled = true;
    show("正在上传：0%", 0);
    xhr.send(new FormData(form));
  });
})();
