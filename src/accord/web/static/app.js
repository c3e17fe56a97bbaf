// accord's pages: live validation and what-if preview in the editor, progress of a running analysis.
// Plain JavaScript, no library; every page also works without it (the server validates on save,
// and the run page refreshes itself).
"use strict";

function fieldId(name) {
  return name.replace(/[^A-Za-z0-9_]/g, "-");
}

function csrfOf(form) {
  const input = form.querySelector("input[name=csrf_token]");
  return input ? input.value : "";
}

function showErrors(form, errors) {
  form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  const general = [];
  for (const e of errors) {
    const target = e.field ? document.getElementById("err-" + fieldId(e.field)) : null;
    const input = e.field ? form.querySelector('[name="' + CSS.escape(e.field) + '"]') : null;
    if (target) {
      target.textContent = target.textContent ? target.textContent + "; " + e.message : e.message;
      if (input) input.setAttribute("aria-invalid", "true");
    } else {
      general.push((e.path ? e.path + ": " : "") + e.message);
    }
  }
  const box = document.getElementById("form-errors");
  if (box) {
    box.textContent = general.join(" · ");
    box.hidden = general.length === 0;
  }
}

function setupEditor(form) {
  const url = form.dataset.previewUrl;
  const panel = document.getElementById("preview");
  let timer = null;
  let sent = 0;
  async function check() {
    const ticket = ++sent;
    if (panel) panel.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "X-CSRF-Token": csrfOf(form), "Accept": "application/json" },
        credentials: "same-origin",
      });
      if (ticket !== sent) return; // a newer edit is on its way
      if (!response.ok) {
        showErrors(form, [{ field: null, path: "", message: "The server answered " + response.status + "." }]);
        return;
      }
      const data = await response.json();
      showErrors(form, data.errors || []);
      const body = document.getElementById("preview-body");
      if (body && typeof data.html === "string") body.outerHTML = data.html;
    } catch (err) {
      showErrors(form, [{ field: null, path: "", message: "Cannot reach the server to check the values." }]);
    } finally {
      if (panel && ticket === sent) panel.removeAttribute("aria-busy");
    }
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  form.addEventListener("input", (ev) => {
    if (ev.target && ev.target.name !== "message") schedule();
  });
  form.addEventListener("change", (ev) => {
    if (ev.target && ev.target.tagName === "SELECT") schedule();
  });
}

function setupRun(box) {
  const url = box.dataset.statusUrl;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-run-text]");
  async function poll() {
    try {
      const response = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        if (bar && typeof data.progress === "number") bar.value = Math.round(100 * data.progress);
        if (text) text.textContent = data.message || data.status;
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (err) {
      if (text) text.textContent = "Waiting for the server…";
    }
    setTimeout(poll, 500);
  }
  setTimeout(poll, 300);
}

document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("editor");
  if (editor && editor.dataset.previewUrl) setupEditor(editor);
  const run = document.querySelector("[data-status-url]");
  if (run) setupRun(run);
});
