// 适老化模式 (elderly-friendly mode): a class on <html>, remembered in localStorage.
// Loaded in <head> so the mode applies before the first paint. No inline script: the page's
// Content-Security-Policy forbids it. `#elder` in the address turns the mode on (for links).
(function () {
  var KEY = "zhanqun-elder";
  var root = document.documentElement;
  function stored() { try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; } }
  function apply(on) {
    root.classList.toggle("elder", on);
    var b = document.querySelector(".elder-toggle");
    if (b) { b.setAttribute("aria-pressed", on ? "true" : "false"); b.textContent = on ? "标准模式" : "适老化模式"; }
  }
  if (location.hash === "#elder") { try { localStorage.setItem(KEY, "1"); } catch (e) {} }
  root.classList.toggle("elder", stored() || location.hash === "#elder");
  document.addEventListener("DOMContentLoaded", function () {
    apply(root.classList.contains("elder"));
    var b = document.querySelector(".elder-toggle");
    if (b) b.addEventListener("click", function () {
      var on = !root.classList.contains("elder");
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) {}
      apply(on);
    });
  });
})();
