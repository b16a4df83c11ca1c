// The article editor: Squire (MIT, served by the platform) over a plain textarea. Without
// JavaScript the textarea still works; the server sanitises whatever is submitted.
(function () {
  "use strict";
  var area = document.getElementById("body_html");
  if (!area || !window.Squire) return;
  var fieldset = area.closest("fieldset");
  var surface = fieldset.querySelector(".surface");
  var toolbar = fieldset.querySelector(".toolbar");
  var BAD_TAGS = ["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "LINK", "META", "SVG", "MATH", "FORM", "BASE"];
  // Parse in an inert <template>; drop what can run. (The server's allowlist is the real guard.)
  function clean(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    var walker = document.createTreeWalker(t.content, NodeFilter.SHOW_ELEMENT);
    var drop = [];
    while (walker.nextNode()) {
      var el = walker.currentNode;
      if (BAD_TAGS.indexOf(el.tagName.toUpperCase()) >= 0) { drop.push(el); continue; }
      for (var i = el.attributes.length - 1; i >= 0; i--) {
        var a = el.attributes[i], n = a.name.toLowerCase(), v = a.value.replace(/\s+/g, "").toLowerCase();
        if (n.indexOf("on") === 0 || n === "style" || ((n === "href" || n === "src") && (v.indexOf("javascript:") === 0 || v.indexOf("data:") === 0))) {
          el.removeAttribute(a.name);
        }
      }
    }
    drop.forEach(function (el) { el.remove(); });
    var frag = document.createDocumentFragment();
    frag.appendChild(document.importNode(t.content, true));
    return frag;
  }
  var editor = new window.Squire(surface, { sanitizeToDOMFragment: clean, blockTag: "P" });
  editor.setHTML(area.value);
  area.hidden = true; surface.hidden = false; toolbar.hidden = false;
  var cmds = {
    bold: function () { editor.hasFormat("B") ? editor.removeBold() : editor.bold(); },
    italic: function () { editor.hasFormat("I") ? editor.removeItalic() : editor.italic(); },
    h2: function () { editor.modifyBlocks(function (f) { return wrap(f, "H2"); }); },
    h3: function () { editor.modifyBlocks(function (f) { return wrap(f, "H3"); }); },
    ul: function () { editor.makeUnorderedList(); },
    ol: function () { editor.makeOrderedList(); },
    link: function () { var u = window.prompt("链接地址（https://…）"); if (u && /^https?:\/\//.test(u)) editor.makeLink(u); },
    table: function () { editor.insertHTML("<table><tbody><tr><th>项目</th><th>内容</th></tr><tr><td></td><td></td></tr></tbody></table><p><br></p>"); },
    undo: function () { editor.undo(); }
  };
  function wrap(frag, tag) {
    var out = document.createDocumentFragment();
    Array.prototype.slice.call(frag.childNodes).forEach(function (n) {
      var h = document.createElement(tag);
      h.textContent = n.textContent;
      out.appendChild(h);
    });
    return out;
  }
  toolbar.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-cmd]");
    if (!b) return;
    cmds[b.getAttribute("data-cmd")]();
    editor.focus();
  });
  area.form.addEventListener("submit", function () { area.value = editor.getHTML(); });
})();
