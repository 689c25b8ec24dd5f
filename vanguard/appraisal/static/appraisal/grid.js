// The scoring grid (评分表): each changed cell is saved at once to the table's data-url,
// which checks it and answers the row's new total (JSON). Keyboard: Tab / Enter go to
// the next cell (Shift: the previous one), ↑ ↓ the same item in the row above / below,
// ← → the next cell when the caret is at the edge of the text. Saves are sent one after
// the other so the totals shown are always the last ones. No library: vendored-free.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function Grid(table) {
    this.table = table;
    this.url = table.getAttribute("data-url");
    this.status = document.getElementById(table.getAttribute("data-status") || "grid-status");
    this.queue = Promise.resolve();
    this.pending = 0;
    this.failed = 0;
    var self = this;
    table.addEventListener("change", function (evt) {
      if (evt.target.matches("input.cell")) self.save(evt.target);
    });
    table.addEventListener("keydown", function (evt) {
      if (evt.target.matches("input.cell")) self.key(evt);
    });
    table.addEventListener("focusin", function (evt) {
      if (evt.target.matches("input.cell")) evt.target.select();
    });
    if (table.hasAttribute("data-autofocus")) {
      var first = this.cells().filter(function (c) { return c.value === ""; })[0];
      if (first) first.focus();
    }
  }

  Grid.prototype.cells = function () {
    return Array.prototype.slice.call(this.table.querySelectorAll("input.cell:not([disabled])"));
  };

  Grid.prototype.move = function (input, step) {
    var all = this.cells();
    var next = all[all.indexOf(input) + step];
    if (next) { next.focus(); return true; }
    return false;
  };

  Grid.prototype.vertical = function (input, step) {
    var row = input.closest("tr");
    var item = input.getAttribute("data-item");
    var other = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    while (other) {
      var cell = other.querySelector('input.cell[data-item="' + item + '"]:not([disabled])');
      if (cell) { cell.focus(); return; }
      other = step > 0 ? other.nextElementSibling : other.previousElementSibling;
    }
  };

  Grid.prototype.key = function (evt) {
    var input = evt.target;
    if (evt.key === "Enter") {
      evt.preventDefault();
      if (!this.move(input, evt.shiftKey ? -1 : 1)) input.blur();
    } else if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
      evt.preventDefault();
      this.vertical(input, evt.key === "ArrowDown" ? 1 : -1);
    } else if (evt.key === "ArrowRight" || evt.key === "ArrowLeft") {
      var all = input.selectionStart === 0 && input.selectionEnd === input.value.length;
      if (evt.key === "ArrowRight" && (all || input.selectionStart === input.value.length)) {
        if (this.move(input, 1)) evt.preventDefault();
      } else if (evt.key === "ArrowLeft" && (all || input.selectionEnd === 0)) {
        if (this.move(input, -1)) evt.preventDefault();
      }
    } else if (evt.key === "Escape") {
      input.value = input.getAttribute("data-saved") || "";
      this.showError(input, "");
    }
  };

  Grid.prototype.showError = function (input, message) {
    var td = input.closest("td");
    var box = td.querySelector(".cell-error");
    if (!message) {
      input.removeAttribute("aria-invalid");
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("span");
      box.className = "cell-error";
      box.setAttribute("role", "alert");
      td.appendChild(box);
    }
    box.textContent = message;
    input.setAttribute("aria-invalid", "true");
  };

  Grid.prototype.report = function () {
    if (!this.status) return;
    var failed = this.table.querySelectorAll('input.cell[aria-invalid="true"]').length;
    if (this.pending > 0) {
      this.status.textContent = "正在保存…";
      this.status.className = "grid-status saving";
    } else if (failed > 0) {
      this.status.textContent = "有 " + failed + " 格未保存（见红色提示）";
      this.status.className = "grid-status failed";
    } else {
      this.status.textContent = "所有修改已保存";
      this.status.className = "grid-status saved";
    }
  };

  Grid.prototype.save = function (input) {
    var self = this;
    var row = input.closest("tr");
    var value = input.value;
    if (value === (input.getAttribute("data-saved") || "")) {
      self.showError(input, "");
      self.report();
      return;
    }
    var state = row.querySelector(".row-state");
    var body = new URLSearchParams();
    body.set("subject", row.getAttribute("data-subject"));
    body.set("source", row.getAttribute("data-source"));
    body.set("ballot", row.getAttribute("data-ballot") || "");
    body.set("item", input.getAttribute("data-item"));
    body.set("value", value);
    self.pending += 1;
    if (state) state.textContent = "保存中…";
    self.report();
    self.queue = self.queue.then(function () {
      return fetch(self.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
        body: body
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status === 403 ? "您的职务无权进行此操作" : "保存失败（" + response.status + "）");
        return response.json();
      }).then(function (data) {
        if (!data.ok) {
          self.showError(input, data.error);
          if (state) state.textContent = "未保存";
          return;
        }
        input.setAttribute("data-saved", data.value);
        if (input.value === value) input.value = data.value;
        self.showError(input, "");
        var total = row.querySelector("[data-total]");
        if (total) total.textContent = data.total;
        row.classList.toggle("complete", !!data.complete);
        if (state) state.textContent = data.complete ? "已保存 · 已评完" : "已保存";
      }).catch(function (err) {
        self.showError(input, err && err.message && err.message.indexOf("保存") === 0 ? err.message : "保存失败，请检查网络后重试");
        if (state) state.textContent = "未保存";
      }).then(function () {
        self.pending -= 1;
        self.report();
      });
    });
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.score-grid[data-url]"), function (t) {
      t.gridController = new Grid(t);
    });
  }

  window.addEventListener("beforeunload", function (evt) {
    var busy = Array.prototype.some.call(document.querySelectorAll("table.score-grid"), function (t) {
      return t.gridController && t.gridController.pending > 0;
    });
    if (busy) { evt.preventDefault(); evt.returnValue = ""; }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
