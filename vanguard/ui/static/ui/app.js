// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (evt) {
  var box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "msg msg-error";
    box.setAttribute("role", "alert");
    document.querySelector("main").prepend(box);
  }
  box.textContent = evt.detail.xhr.status === 403 ? "您的职务无权进行此操作" : "操作未成功，请稍后再试（" + evt.detail.xhr.status + "）";
});
document.addEventListener("click", function (evt) {
  var t = evt.target.closest("[data-print]");
  if (t) { evt.preventDefault(); window.print(); }
});
