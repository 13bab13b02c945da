// Progressive enhancement only: every page works without this file.
// A form with data-confirm asks before it submits.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var msg = form && form.getAttribute && form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
  }
});

// A link with data-print prints the page it is on (without this file it opens the page,
// and the browser's own print uses the print stylesheet).
document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest && ev.target.closest("a[data-print]");
  if (a) {
    ev.preventDefault();
    window.print();
  }
});
