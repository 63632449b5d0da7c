/*! Referral widget loader: queues ReferralWidget(...) calls until the widget has loaded. */
// Include with <script async src="{base}/widget/loader.js" data-...></script>. Calls made before
// it runs need the one-line stub: window.ReferralWidget = window.ReferralWidget ||
//   function () { (ReferralWidget.q = ReferralWidget.q || []).push(arguments) };
// The server writes the widget's content hash into its URL below, so that URL is immutable.
(function (w, d) {
  try {
    var f = w.ReferralWidget;
    if (!f) {
      f = w.ReferralWidget = function () {
        (f.q = f.q || []).push(arguments);
      };
    }
    if (f.o) return; // a second copy of the loader on the page changes nothing
    var s = d.currentScript;
    var o = {};
    var src = (s && s.src) || "";
    if (s) for (var k in s.dataset) o[k] = s.dataset[k];
    // The API lives beside the loader: /apps/referrals on Shopify, our own URL elsewhere.
    o.base = o.base || src.slice(0, src.lastIndexOf("/widget/"));
    f.o = o;
    var t = d.createElement("script");
    t.async = true;
    t.src = o.base + "/widget/__VERSION__/widget.js";
    (d.head || d.documentElement).appendChild(t);
  } catch (e) {
    // Never let the referral program break the page it is embedded in.
  }
})(window, document);
