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

// The letter form: while the visitor types the title, the 知识库's answered questions most like
// it are offered below the field (`/hudong/zhishiku/xiangsi`), so that a question already
// answered is found before it is asked again. Without script the form works as it is.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("subject");
    var box = document.getElementById("faq-similar");
    if (!input || !box || !window.fetch) return;
    var timer = null, asked = "";
    function show(items) {
      while (box.firstChild) box.removeChild(box.firstChild);
      if (!items.length) { box.hidden = true; return; }
      var p = document.createElement("p");
      p.textContent = "以下问题已有答复，可能对您有帮助：";
      box.appendChild(p);
      var ul = document.createElement("ul");
      items.forEach(function (it) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = it.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = it.question;
        li.appendChild(a);
        ul.appendChild(li);
      });
      box.appendChild(ul);
      box.hidden = false;
    }
    function ask() {
      var q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (q.length < 2) { show([]); return; }
      fetch("/hudong/zhishiku/xiangsi?q=" + encodeURIComponent(q), { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : { similar: [] }; })
        .then(function (d) { if (q === asked) show(d.similar || []); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
  });
})();
