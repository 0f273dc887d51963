// Partner Portal: small progressive enhancements. Pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Close open menus (<details class="menu">) on Escape or a click outside them.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  document.addEventListener("click", function (event) {
    var chosen = event.target.closest("details.menu [role=menuitem]");
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      // A chosen menu item closes its menu too (its action swaps content elsewhere).
      if (!menu.contains(event.target) || (chosen && menu.contains(chosen))) menu.removeAttribute("open");
    });
  });

  // Folds (<details class="fold" data-fold-below="760" open>): open as the server sends them (so
  // they work without JavaScript), closed on screens narrower than the given width.
  var folded = typeof WeakSet === "function" ? new WeakSet() : null;
  function fold(root) {
    var folds = root.querySelectorAll("details[data-fold-below]");
    Array.prototype.forEach.call(folds, function (details) {
      if (!folded || folded.has(details)) return;
      folded.add(details);
      var narrow = window.matchMedia("(max-width: " + (Number(details.dataset.foldBelow) - 0.02) + "px)");
      var apply = function () { details.open = !narrow.matches; };
      apply();
      narrow.addEventListener("change", apply);
    });
  }
  fold(document);

  // One request per distinct query (form[data-one-request-per-query]): leaving the search box,
  // or pressing Enter after the search already ran, sends nothing.
  function formQuery(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-one-request-per-query]")) return;
    var query = formQuery(form);
    if (query === form.dataset.lastQuery) { event.preventDefault(); return; }
    form.dataset.lastQuery = query;
  });
  function rememberQueries(root) {
    var forms = root.querySelectorAll("form[data-one-request-per-query]");
    Array.prototype.forEach.call(forms, function (form) { form.dataset.lastQuery = formQuery(form); });
  }
  rememberQueries(document);
  // Back and Forward restore a snapshot taken when the page was left: its fields then held the
  // next query. Set them from the restored address instead, so they match the table.
  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-one-request-per-query]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.type !== "hidden" && (field.tagName === "INPUT" || field.tagName === "SELECT")) field.value = params.get(field.name) || "";
      });
      form.dataset.lastQuery = formQuery(form);
    });
  });

  // A long organization switcher gets a search box that narrows the list as you type.
  function filterLists(root) {
    var inputs = root.querySelectorAll("input[data-filter-list]");
    Array.prototype.forEach.call(inputs, function (input) {
      var box = input.closest("[hidden]");
      if (box) box.hidden = false;
    });
  }
  filterLists(document);
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-filter-list]")) return;
    var list = document.querySelector(input.getAttribute("data-filter-list"));
    if (!list) return;
    var wanted = input.value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(list.children, function (item) {
      var match = !wanted || item.textContent.toLowerCase().indexOf(wanted) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    var status = document.getElementById("switcher-count");
    // The words come from the page (data-one / data-many, "{n}" for the count), in its language.
    if (status) {
      var words = shown === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many");
      status.textContent = wanted && words ? words.replace("{n}", shown) : "";
    }
  });

  // A table wider than its box scrolls sideways: keyboard users reach that scroller with Tab
  // (a named region), but only while it really scrolls.
  function markScrollers() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var heading = box.closest("section, figure, .panel");
        heading = heading && heading.querySelector("h2, h3, figcaption strong");
        var name = (caption && caption.textContent.trim()) || (heading && heading.textContent.trim()) || "";
        // The label's words come from the page's language: <body data-scroller-label="{name} …">.
        var label = document.body.getAttribute("data-scroller-label") || "{name}";
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", label.replace("{name}", name).trim());
        box.dataset.scroller = "1";
      } else if (!scrolls && box.dataset.scroller) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scroller;
      }
    });
  }
  var scrollersQueued = false;
  function queueScrollers() {
    if (scrollersQueued) return;
    scrollersQueued = true;
    window.requestAnimationFrame(function () { scrollersQueued = false; markScrollers(); });
  }
  markScrollers();
  window.addEventListener("resize", queueScrollers);
  document.addEventListener("htmx:afterSettle", queueScrollers);
  document.addEventListener("toggle", queueScrollers, true);

  // Copy buttons: <button data-copy-target="#id">; the input stays selectable without JS.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source) return;
    var text = source.value || source.textContent;
    var done = function () {
      // The button shows it; a polite live region says it to screen-reader users.
      var status = document.getElementById(button.getAttribute("aria-controls") || "");
      // The words are the page's: data-copied on the button, data-done on its status region.
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      if (status) status.textContent = status.getAttribute("data-done") || "";
      setTimeout(function () {
        button.textContent = label;
        if (status) status.textContent = "";
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { source.select(); document.execCommand("copy"); done(); });
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // Move focus into content that htmx swapped in, when it asks for it (data-autofocus).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt && event.detail.elt.querySelector && event.detail.elt.querySelector("[data-autofocus]");
    if (target) target.focus();
  });

  // Charts (<div data-chart="{figure json}" data-charts-src="..." data-plotly-src="...">) are
  // drawn by charts.js, fetched with the first chart (in the page or swapped in) as it fetches
  // plotly.js: pages without charts download neither. From then on charts.js draws every chart
  // that htmx swaps in, so this only asks for the file once.
  var chartsScript = null;
  function loadCharts(root) {
    var chart = root.closest("[data-chart]") || root.querySelector("[data-chart]");
    if (chartsScript || !chart) return;
    chartsScript = document.createElement("script");
    chartsScript.src = chart.getAttribute("data-charts-src");
    document.head.appendChild(chartsScript);
  }

  // Dialogs opened from a menu: remember the menu, so focus returns there when the dialog
  // closes. When the row itself went away (Remove), focus moves to the neighbouring row's menu,
  // also after the table refreshed itself, without scrolling the page.
  var dialogOpener = null;
  var neighbourRow = null;
  function focusQuietly(element) {
    if (element) element.focus({ preventScroll: true });
  }
  function rowMenu(rowId) {
    var row = rowId && document.getElementById(rowId);
    return row ? row.querySelector("details.menu > summary") : null;
  }
  function afterRemoval() {
    return rowMenu(neighbourRow) || document.getElementById("customer-table") || document.getElementById("main");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.getAttribute && elt.getAttribute("hx-target") === "#dialog-region") {
      var menu = elt.closest("details.menu");
      var row = elt.closest("tr");
      dialogOpener = menu ? menu.querySelector("summary") : elt;
      var neighbour = row ? (row.nextElementSibling || row.previousElementSibling) : null;
      neighbourRow = neighbour ? neighbour.id : null;
    }
  });
  document.addEventListener("close", function (event) {
    if (!(event.target instanceof HTMLDialogElement) || !event.target.closest("#dialog-region")) return;
    if (dialogOpener && dialogOpener.isConnected) {
      focusQuietly(dialogOpener);
      neighbourRow = null;
    } else {
      focusQuietly(afterRemoval());
    }
    dialogOpener = null;
  }, true);
  document.addEventListener("htmx:afterSwap", function (event) {
    // The dialog region was emptied (e.g. after Remove): no close event fires then.
    var region = document.getElementById("dialog-region");
    if (dialogOpener && region && !region.querySelector("dialog")) {
      focusQuietly(dialogOpener.isConnected ? dialogOpener : afterRemoval());
      dialogOpener = null;
      return;
    }
    // The table redrew itself after a removal: focus the same neighbour in the new table.
    var target = event.detail.target;
    if (neighbourRow && target && target.id === "customer-table") {
      focusQuietly(afterRemoval());
      neighbourRow = null;
    }
  });

  // Panels (#customer-panel inside <dialog id="panel-dialog">) open as a modal drawer over the
  // dashboard, which keeps its scroll position, search and filters. Close (or Escape) empties
  // the panel through the server, which puts the dashboard's address back; focus returns to
  // the row (or button) the panel was opened from.
  var panelOpener = null;
  var dashboardAddress = null;
  function selectorOf(element) {
    var row = element.closest("tr[id]");
    if (row) return "#" + row.id + " details.menu > summary";
    return element.id ? "#" + element.id : "[hx-target='#customer-panel'].button";
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest || elt.getAttribute("hx-target") !== "#customer-panel" || elt.closest("#panel-dialog")) return;
    panelOpener = selectorOf(elt);
    dashboardAddress = window.location.pathname + window.location.search;
  });
  function syncPanel() {
    var dialog = document.getElementById("panel-dialog");
    var panel = document.getElementById("customer-panel");
    if (!dialog || !dialog.showModal) return;
    var filled = panel && panel.children.length > 0;
    if (filled && !dialog.matches(":modal")) {
      if (dialog.open) dialog.close();  // restored by Back or Forward as a plain open dialog
      dialog.showModal();
      var heading = dialog.querySelector("[data-autofocus]");
      if (heading) heading.focus();
    } else if (!filled && dialog.open) {
      dialog.close();
    }
  }
  function closePanel() {
    var dialog = document.getElementById("panel-dialog");
    var link = dialog && dialog.querySelector("[data-panel-close]");
    var address = dashboardAddress || (link && link.getAttribute("href")) || "/customers";
    window.htmx.ajax("GET", address, { source: link || dialog, target: "#customer-panel", swap: "outerHTML" });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#panel-dialog [data-panel-close]");
    if (!link || !window.htmx) return;
    event.preventDefault();
    closePanel();
  });
  document.addEventListener("cancel", function (event) {
    if (event.target.id !== "panel-dialog" || !window.htmx) return;
    event.preventDefault();  // Escape: close the same way as Close
    closePanel();
  }, true);
  document.addEventListener("close", function (event) {
    if (event.target.id !== "panel-dialog") return;
    var back = panelOpener && document.querySelector(panelOpener);
    focusQuietly(back || document.getElementById("customer-table"));
  }, true);
  document.addEventListener("htmx:historyRestore", function () {
    syncPanel();
    var dialog = document.getElementById("panel-dialog");
    if (dialog && !dialog.open && panelOpener) focusQuietly(document.querySelector(panelOpener));
  });

  // An opened <dialog data-modal> (swapped in by htmx) shows as a modal.
  // htmx calls this with an element (the body at start, then each element a swap brings in), so
  // root always has querySelectorAll, matches and closest.
  if (window.htmx) {
    window.htmx.onLoad(function (root) {
      fold(root);
      filterLists(root);
      rememberQueries(root);
      syncPanel();
      loadCharts(root);
      var dialogs = root.matches("dialog[data-modal]") ? [root] : root.querySelectorAll("dialog[data-modal]");
      Array.prototype.forEach.call(dialogs, function (dialog) {
        if (!dialog.open && dialog.showModal) dialog.showModal();
      });
    });
  }
})();
