/*! Referral widget: one <referral-widget> custom element with a shadow root; no dependencies. */
// Plain ES2019 that ships as written. Every entry point (element callbacks, event handlers,
// promise chains, queued calls) is wrapped, so a failure here never reaches the host page:
// the widget stays hidden or keeps its last good state instead.
(function (w, d) {
  "use strict";
  var TAG = "referral-widget";
  var KEY = "rw_ref";
  if (!w.customElements || !w.fetch || !w.Promise || w.customElements.get(TAG)) return;
  var queued = w.ReferralWidget;
  var cfg = (queued && queued.o) || {};
  var S = {}; // shared state: conf, me, land, err, busy, email, granted, pending, tk (terms ticked)
  var views = [];
  var cache = {};
  var L = "es"; // the locale Intl formats with: the page's tag when the browser knows it

  function noop() {}

  function guard(fn) {
    return function () {
      try {
        return fn.apply(this, arguments);
      } catch (e) {
        return undefined;
      }
    };
  }

  // ---- server -------------------------------------------------------------------------------

  function api(path, body) {
    var o = { method: body ? "POST" : "GET", headers: { Accept: "application/json" } };
    // App Proxy requests need the shop's cookies (Shopify adds the signed customer id);
    // token requests go to our own origin and carry the token instead.
    o.credentials = cfg.token ? "omit" : "same-origin";
    if (body) {
      o.headers["Content-Type"] = "application/json";
      o.body = JSON.stringify(body);
    }
    if (cfg.token) o.headers["X-Referral-Token"] = cfg.token;
    if (w.AbortController) {
      var c = new AbortController();
      o.signal = c.signal;
      setTimeout(function () { c.abort(); }, 8000);
    }
    var url = cfg.base + "/api/" + path;
    // Token calls name the shop in the URL, so that even a CORS preflight knows whose it is.
    if (cfg.token) {
      url += (path.indexOf("?") < 0 ? "?" : "&") + "platform=" + encodeURIComponent(cfg.platform) +
        "&shop=" + encodeURIComponent(cfg.shop);
    }
    return fetch(url, o).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok) return j;
        j.status = r.status;
        throw j;
      });
    });
  }

  function ok(r) {
    if (!r.ok) throw r;
    return r;
  }

  // ---- i18n -----------------------------------------------------------------------------------

  function known(tag) {
    try {
      return !!tag && Intl.NumberFormat.supportedLocalesOf([tag]).length > 0;
    } catch (e) {
      return false;
    }
  }

  function fmt(kind, opts) {
    var k = kind + L + JSON.stringify(opts || {});
    return cache[k] || (cache[k] = new Intl[kind](L, opts));
  }

  function t(key, vars) {
    var s = (S.conf.copy || {})[key];
    if (s == null) return "";
    if (typeof s === "object") s = s[fmt("PluralRules").select(vars.n)] || s.other;
    return String(s).replace(/\{(\w+)\}/g, function (m, n) {
      if (!vars || vars[n] == null) return m;
      return n === "n" ? fmt("NumberFormat").format(vars.n) : vars[n];
    });
  }

  function offer(o) {
    if (!o) return "";
    if (o.kind === "points") return t("offer_points", { n: +o.value });
    if (o.kind === "free_shipping") return t("offer_free_shipping");
    if (o.kind === "free_product") return t("offer_free_product", { name: o.product });
    var pct = o.kind === "percentage_discount" || o.basis === "percent_of_order";
    var v = pct
      ? fmt("NumberFormat", { style: "percent", maximumFractionDigits: 2 }).format(o.value / 100)
      : money(o.value, o.currency);
    return t(o.basis === "percent_of_order" ? "offer_percent_of_order" : "offer_" + o.kind, { value: v });
  }

  function money(amount, currency) {
    return fmt("NumberFormat", { style: "currency", currency: currency }).format(+amount);
  }

  function date(iso) {
    return fmt("DateTimeFormat", { dateStyle: "medium" }).format(new Date(iso));
  }

  // ---- dom ------------------------------------------------------------------------------------

  function h(tag, attrs, kids) {
    var e = d.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), guard(v));
      else if (k === "text") e.textContent = v;
      else if (k === "value") e.value = v;
      else e.setAttribute(k, v === true ? "" : v);
    });
    (kids || []).forEach(function (c) {
      if (c != null && c !== "") e.append(c);
    });
    return e;
  }

  function frag(kids) {
    return h("div", {}, kids);
  }

  var GIFT =
    '<svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M20 12v9H4v-9M2 7h20v5H2zM12 21V7M12 7H7.5a2.5 2.5 0 1 1 0-5C11 2 12 7 12 7zM12 7h4.5a2.5 2.5 0 1 0 0-5C13 2 12 7 12 7z"/></svg>';
  var CROSS =
    '<svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" stroke="currentColor" stroke-width="2.4"><path d="M6 6l12 12M18 6L6 18"/></svg>';

  function icon(svg) {
    var s = h("span", { class: "i" });
    s.innerHTML = svg; // constant markup, never data
    return s;
  }

  // Floating parts live in the top layer (the Popover API) where browsers have it: no theme
  // z-index can cover them, and a transform or opacity on the page's <body> cannot move them.
  function show(el, on) {
    el.hidden = !on;
    if (!el.showPopover || !el.hasAttribute("popover") || !el.isConnected) return;
    try {
      if (on !== el.matches(":popover-open")) {
        if (on) el.showPopover();
        else el.hidePopover();
      }
    } catch (e) {
      // an older engine: the fixed position in the stylesheet still places it
    }
  }

  function drawAll(bannerOnly) {
    views.forEach(function (v) { v.draw(bannerOnly); });
  }

  // ---- views ----------------------------------------------------------------------------------

  function lead() {
    var p = S.conf.program || {};
    var f = offer(p.friend);
    var a = offer(p.advocate);
    var text = f && a ? t("lead_both", { friend: f, advocate: a })
      : f ? t("lead_friend", { friend: f }) : a ? t("lead_advocate", { advocate: a }) : "";
    return h("p", { class: "lead", text: text });
  }

  // Charity programs: what the advocates have given together, and (joined) where theirs goes.
  function impact() {
    var c = S.conf.charity;
    return c && +c.donated.amount ? h("p", {
      class: "fine", "data-k": "impact", text: t("impact", { amount: money(c.donated.amount, c.donated.currency) }),
    }) : null;
  }

  function choose(body) {
    api("choose", body).then(function (j) {
      S.me = j;
    }, function () {
      S.err = t("failed");
    }).then(function () { drawAll(); }).catch(noop);
  }

  function cause(db) {
    var c = S.conf.charity;
    if (!c || !db) return null;
    var now = db.cause || c.default;
    var sel = h("select", {
      id: "rw-cz", "data-k": "cause", onchange: function () { choose({ cause: sel.value }); },
    }, c.causes.map(function (x) {
      return h("option", { value: x.id, selected: x.id === now }, [x.name]);
    }));
    return frag([h("label", { for: "rw-cz", text: t("cause_label") }), sel]);
  }

  // A contest's leaderboard, for participants only: initials, or nothing for who opted out.
  function board(b) {
    return h("section", { class: "db", "aria-labelledby": "rw-lb" }, [
      h("h3", { id: "rw-lb", text: b.name }),
      h("ol", { class: "lb" }, b.rows.map(function (r) {
        return h("li", { "data-me": r.me }, [
          h("span", { text: r.rank + ". " + (r.me ? t("board_you") : r.name || t("board_anon")) }),
          h("span", { class: "tag", text: t("friends", { n: r.referrals }) }),
        ]);
      })),
      h("label", { class: "ck" }, [h("input", {
        type: "checkbox", "data-k": "board", checked: b.shown,
        onchange: function (e) { choose({ leaderboard: e.target.checked }); },
      }), t("board_show")]),
    ]);
  }

  function error() {
    return h("p", { class: "err", id: "rw-err", role: "alert", text: S.err || "" });
  }

  // The program's terms, when it has some: a box to tick before joining, and their page.
  function terms() {
    var c = S.conf.terms;
    return c ? frag([h("label", { class: "ck" }, [h("input", {
      type: "checkbox", "data-k": "terms", checked: !!S.tk,
      onchange: function (e) { S.tk = e.target.checked; },
    }), t("terms_accept")]), h("a", { class: "fine", href: c.url, target: "_blank", rel: "noopener", text: t("terms_read") })]) : null;
  }

  function joinForm(v) {
    var label = S.busy ? t("joining") : t("join");
    if (S.conf.customer) {
      return frag([lead(), terms(), h("button", {
        type: "button", class: "pri", "data-k": "join", disabled: !!S.busy,
        onclick: function () { join(v); },
      }, [label]), error()]);
    }
    var input = h("input", {
      id: "rw-e", type: "email", name: "email", autocomplete: "email", required: true,
      "data-k": "email", value: S.email || "", "aria-describedby": "rw-err rw-pv",
      "aria-invalid": S.err ? "true" : null,
      oninput: function () { S.email = input.value; },
    });
    var form = h("form", {
      novalidate: true,
      onsubmit: function (e) {
        e.preventDefault();
        var email = input.value.trim();
        if (!email || !input.validity.valid) {
          S.err = t("invalid_email");
          v.want = "email";
          drawAll();
          return;
        }
        join(v, email);
      },
    }, [
      h("label", { for: "rw-e", text: t("email_label") }),
      h("div", { class: "row" }, [input, h("button", {
        type: "submit", class: "pri", "data-k": "join", disabled: !!S.busy,
      }, [label])]),
    ]);
    return frag([lead(), impact(), terms(), form, error(), h("p", { class: "fine", id: "rw-pv", text: t("privacy") })]);
  }

  function join(v, email) {
    var c = S.conf.terms;
    if (S.busy) return;
    if (c && !S.tk) {
      S.err = t("terms_needed");
      v.want = "terms";
      return drawAll();
    }
    S.busy = true;
    S.err = "";
    drawAll();
    api("join", { email: email, locale: S.conf.locale, terms_version: c && c.version }).then(function (j) {
      S.me = j;
      v.want = "copy";
    }, function (e) {
      S.err = t(e && e.status === 429 ? "too_many" : "failed");
      v.want = email ? "email" : "join";
      // The terms changed since the page loaded: show the ones in force, to accept again.
      if (e && e.terms) {
        S.conf.terms = e.terms;
        S.tk = false;
        S.err = t("terms_changed");
        v.want = "terms";
      }
    }).then(function () {
      S.busy = false;
      drawAll();
    }).catch(noop);
  }

  // Counted for the shop's dashboard (the channel only); a failure never stops the share.
  function shared(channel) {
    api("share", { channel: channel }).catch(noop);
  }

  function shares(me) {
    var c = S.conf;
    var adv = me.advocate;
    var name = (c.shop || {}).name || "";
    var vars = { offer: offer((c.program || {}).friend), shop: name, link: adv.link, code: adv.code };
    var e = encodeURIComponent;
    var list = [
      ["whatsapp", "https://wa.me/?text=" + e(t("share_whatsapp", vars)), 1],
      ["facebook", "https://www.facebook.com/sharer/sharer.php?u=" + e(adv.link), 1],
      ["x", "https://x.com/intent/tweet?text=" + e(t("share_x", vars)) + "&url=" + e(adv.link), 1],
      ["email", "mailto:?subject=" + e(t("share_email_subject", vars)) + "&body=" + e(t("share_email_body", vars))],
      ["sms", "sms:?&body=" + e(t("share_sms", vars))],
    ].map(function (s) {
      return h("a", {
        class: "s s-" + s[0], href: s[1], "data-k": s[0],
        target: s[2] ? "_blank" : null, rel: s[2] ? "noopener noreferrer" : null,
        onclick: function () { shared(s[0]); },
      }, [t(s[0])]);
    });
    if (navigator.share) {
      list.push(h("button", {
        type: "button", class: "s", "data-k": "more",
        onclick: function () {
          shared("more");
          navigator.share({ title: name, text: t("share_native", vars), url: adv.link }).catch(noop);
        },
      }, [t("more")]));
    }
    return list;
  }

  function reward(r) {
    var value = r.kind === "points" ? t("offer_points", { n: +r.points })
      : offer({ kind: r.kind, value: r.amount, currency: r.currency, product: r.product });
    var c = r.choices, lab = function (x) { return x[S.conf.locale] || x.es; };
    return h("li", {}, [
      c ? null : h("strong", { text: value }),
      h("span", { class: "tag", text: t("status_" + r.status) }),
      r.code ? h("span", { class: "rc", text: t("reward_code", { code: r.code }) }) : null,
      r.created_at ? h("time", { datetime: r.created_at, text: date(r.created_at) }) : null,
      // A menu reward: the advocate picks one; the default follows on its date.
      c ? h("div", { class: "ch", role: "group" }, c.map(function (x) {
        return h("button", {
          type: "button", class: "s", "data-k": "pick-" + x.id, disabled: !!S.busy,
          onclick: function () { keyed("pick", r.id, { reward: r.id, choice: x.id }, "already_chosen"); },
        }, [lab(x) + " · " + offer(x.reward)]);
      }).concat(h("p", { class: "fine", text: t("pick_default", {
        date: date(r.due_at), name: lab(c.filter(function (x) { return x.id === r.default; })[0]),
      }) }))) : null,
    ]);
  }

  function dashboard(db) {
    var rewards = db.rewards || [];
    return h("section", { class: "db", "aria-labelledby": "rw-st" }, [
      h("h3", { id: "rw-st", text: t("stats_title") }),
      h("ul", { class: "st" }, [
        h("li", { "data-stat": "clicks", text: t("clicks", { n: db.clicks }) }),
        h("li", { "data-stat": "friends", text: t("friends", { n: db.friends }) }),
        db.pending ? h("li", { "data-stat": "pending", text: t("pending", { n: db.pending }) }) : null,
      ]),
      h("h3", { text: t("rewards_title") }),
      rewards.length ? h("ul", { class: "rl" }, rewards.map(reward))
        : h("p", { class: "fine", text: t("no_rewards") }),
      rewards.some(function (r) { return r.choices; }) ? error() : null,
    ]);
  }

  // ---- loyalty: points, tier, the catalogue, history ------------------------------------------

  function loyalty(v, m) {
    var up = m.next_tier;
    var num = fmt("NumberFormat", { signDisplay: "exceptZero" });
    return h("section", { class: "db lp", "aria-labelledby": "rw-lp" }, [
      h("h3", { id: "rw-lp", text: t("points_title") }),
      h("p", { class: "pts", "data-stat": "points", text: t("offer_points", { n: m.points }) }),
      m.tier ? h("p", { "data-stat": "tier", text: [t("tier", { name: m.tier.name })].concat(m.tier.perks).join(" · ") }) : null,
      up ? h("p", { class: "fine" }, [
        h("progress", { max: up.threshold, value: up.threshold - up.needed }),
        h("span", { "data-stat": "next", text: t("tier_next", { n: up.needed, name: up.name }) }),
      ]) : null,
      m.expiring ? h("p", { class: "fine", "data-stat": "expiring",
        text: t("expiring", { n: m.expiring.points, date: date(m.expiring.at) }) }) : null,
      m.stamps ? h("p", { "data-stat": "stamps", "aria-label": t("stamps", { n: m.stamps.stamps, of: m.stamps.per_card, name: m.stamps.name }) }, [
        h("span", { class: "fine", text: m.stamps.name + " " }),
        h("span", { class: "sc", "aria-hidden": "true", text: Array(m.stamps.per_card + 1).join("○").split("").map(function (c, i) { return i < m.stamps.stamps ? "●" : c; }).join("") }),
      ]) : null,
      m.birthday_points ? bdBox(m) : null,
      h("h3", { text: t("catalogue_title") }),
      h("ul", { class: "cat" }, m.catalogue.map(function (i) {
        return h("li", {}, [
          h("strong", { text: i.name }),
          h("span", { class: "tag", text: t("offer_points", { n: i.points }) }),
          h("button", {
            type: "button", class: "pri", "data-k": "redeem-" + i.id, disabled: !i.affordable || !!S.busy,
            onclick: function () { redeem(i); },
          }, [t("redeem")]),
        ]);
      })),
      error(),
      m.history.length ? h("h3", { text: t("history_title") }) : null,
      h("ul", { class: "hi" }, m.history.map(function (e) {
        return h("li", {}, [
          h("span", { text: t("entry_" + e.kind) }),
          h("strong", { text: num.format(e.points) }),
          h("time", { datetime: e.at, text: date(e.at) }),
        ]);
      })),
    ]);
  }

  function redeem(item) {
    keyed("redeem", item.id, { item: item.id }, "not_enough");
  }

  // A redemption or a reward's pick: one key per act the shopper means, so a retry after a lost
  // answer does nothing twice; a 409 says why in `conflict`'s words.
  function keyed(name, id, body, conflict) {
    if (S.busy) return;
    if (!S.rk || S.rk.i !== name + id) S.rk = { i: name + id, k: id + "." + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) };
    S.busy = true;
    S.err = "";
    drawAll();
    body.key = S.rk.k;
    api(name, body).then(function (j) {
      S.me = j;
      S.rk = null;
      poll(8);
    }, function (e) {
      S.err = t(e && e.status === 409 ? conflict : e && e.status === 429 ? "too_many" : "failed");
    }).then(function () {
      S.busy = false;
      drawAll();
    }).catch(noop);
  }

  function poll(n) {
    // The code is made in the store moments after the points are spent.
    setTimeout(guard(function () {
      api("me").then(function (j) {
        S.me = j;
        drawAll();
        if (n > 1 && (j.dashboard.rewards || []).some(function (r) { return r.status === "pending"; })) poll(n - 1);
      }).catch(noop);
    }), 1500);
  }

  function copy(v, input) {
    var done = function () { v.say(t("copied")); };
    var clip = navigator.clipboard;
    (clip ? clip.writeText(input.value) : Promise.reject()).then(done, function () {
      input.select();
      if (d.execCommand("copy")) done();
    }).catch(noop);
  }

  // One call that changes the member's own view: one at a time, its failure said in words.
  function act(name, body, words) {
    if (S.busy) return;
    S.busy = true;
    S.err = "";
    api(name, body).then(function (j) { S.me = j; }, function (e) {
      S.err = t((e && words[e.error]) || "failed");
    }).then(function () { S.busy = false; drawAll(); }).catch(noop);
  }

  // Birthday points: the member tells the shop the day once (the year is not kept).
  function bdBox(m) {
    var b = m.birthday;
    if (b) {
      var day = fmt("DateTimeFormat", { month: "long", day: "numeric", timeZone: "UTC" });
      return h("p", { class: "fine", "data-stat": "birthday", text: t("bd_on", { date: day.format(Date.UTC(2000, b.month - 1, b.day)) }) });
    }
    var input = h("input", { id: "rw-bd", type: "date", required: true, "aria-describedby": "rw-err" });
    return h("form", {
      "data-k": "bd", onsubmit: function (e) {
        e.preventDefault();
        var p = input.value.split("-");
        act("birthday", { month: +p[1], day: +p[2] }, { invalid_birthday: "bd_invalid" });
      },
    }, [h("label", { for: "rw-bd", text: t("bd_label", { n: m.birthday_points }) }), h("div", { class: "row" }, [input,
      h("button", { type: "submit", class: "pri", disabled: !!S.busy }, [t("bd_save")])])]);
  }

  // WhatsApp messages (when the shop sends them): the signed-in advocate says yes with a number.
  function waBox() {
    var wa = S.me.whatsapp;
    var say = function (yes, phone) {
      act("whatsapp", { opt_in: yes, phone: phone }, { invalid_phone: "wa_invalid" });
    };
    if (wa.opted_in) {
      return h("p", { class: "fine", "data-k": "wa" }, [t("wa_on", { phone: wa.phone }) + " ",
        h("button", { type: "button", class: "s", onclick: function () { say(false); } }, [t("wa_stop")])]);
    }
    var input = h("input", { id: "rw-wa", type: "tel", autocomplete: "tel", "aria-describedby": "rw-err" });
    return h("form", {
      "data-k": "wa", onsubmit: function (e) { e.preventDefault(); say(true, input.value.trim()); },
    }, [h("label", { for: "rw-wa", text: t("wa_label") }), h("div", { class: "row" }, [input,
      h("button", { type: "submit", class: "pri", disabled: !!S.busy }, [t("wa_yes")])]), error()]);
  }

  function joined(v) {
    var me = S.me;
    var adv = me.advocate || {};
    var input = h("input", { id: "rw-l", readonly: true, value: adv.link, "data-k": "link" });
    return frag([
      lead(),
      h("label", { for: "rw-l", text: t("your_link") }),
      h("div", { class: "row" }, [input, h("button", {
        type: "button", class: "pri", "data-k": "copy", onclick: function () { shared("copy"); copy(v, input); },
      }, [t("copy")])]),
      h("p", { class: "code" }, [t("your_code") + " ", h("strong", { text: adv.code })]),
      h("p", { class: "lbl", id: "rw-sv", text: t("share_via") }),
      h("div", { class: "sh", role: "group", "aria-labelledby": "rw-sv" }, shares(me)),
      me.dashboard ? dashboard(me.dashboard) : h("p", { class: "fine", text: t("sign_in") }),
      me.loyalty ? loyalty(v, me.loyalty) : null,
      me.whatsapp && me.whatsapp.available ? waBox() : null,
      cause(me.dashboard),
      impact(),
      me.contest ? board(me.contest) : null,
      me.loyalty ? null : error(), // the loyalty view has its own
    ]);
  }

  function banner(v) {
    var l = S.land;
    var b = v.bn;
    show(b, !!l && !l.closed && views[0] === v);
    if (b.hidden) return;
    var text = t("banner", { offer: offer(l.offer) });
    // A partner brand's audience is greeted with the partner's own words first.
    if (l.partner) text = ((l.partner.landing || {})[S.conf.locale] || l.partner.name) + " " + text;
    if (l.applied) text += " " + t("banner_applied", { code: l.code });
    var kids = [h("p", { id: "rw-bt", role: "status", text: text })];
    if (l.claim && !l.code) {
      var input = h("input", {
        id: "rw-c", type: "email", autocomplete: "email", required: true, "data-k": "claim-email",
      });
      kids.push(h("form", {
        class: "row", novalidate: true,
        onsubmit: function (e) {
          e.preventDefault();
          if (input.value && input.validity.valid) claim(input.value.trim());
        },
      }, [h("label", { for: "rw-c", class: "sr", text: t("claim_label") }), input,
        h("button", { type: "submit", class: "pri", "data-k": "claim" }, [t("claim")])]));
    }
    kids.push(h("button", {
      type: "button", class: "x", "data-k": "dismiss", "aria-label": t("dismiss"),
      onclick: function () {
        l.closed = true;
        drawAll(true);
        if (v.btn) v.btn.focus();
      },
    }, [icon(CROSS)]));
    var active = v.sr.activeElement;
    var had = active && b.contains(active) && active.getAttribute("data-k");
    b.textContent = "";
    b.append.apply(b, kids);
    if (had) (b.querySelector('[data-k="' + had + '"]') || b.querySelector(".x")).focus();
  }

  // ---- the friend's landing -------------------------------------------------------------------

  function root() {
    var sh = w.Shopify;
    // Liquid's routes.root_url is "/fr" on a translated store; paths are appended after a "/".
    return (cfg.root || (sh && sh.routes && sh.routes.root) || "/").replace(/\/?$/, "/");
  }

  function days() {
    return S.conf.window_days || 30;
  }

  function applyCode(ref, code, at) {
    var p;
    if (cfg.cart === "woocommerce") {
      var store = cfg.storeApi || root() + "wp-json/wc/store/v1/";
      // The Store API wants the Nonce of the shopper's own (cookie) cart for every write.
      p = fetch(store + "cart", { credentials: "same-origin" }).then(ok).then(function (r) {
        return fetch(store + "cart/apply-coupon", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Nonce: r.headers.get("Nonce") || "" },
          body: JSON.stringify({ code: code }),
        });
      });
    } else {
      // Shopify's discount link sets the discount cookie; the redirect it answers is not needed.
      p = fetch(root() + "discount/" + encodeURIComponent(code), {
        credentials: "same-origin", redirect: "manual",
      }).then(function () {
        // Cart attributes travel with the order (note_attributes), so attribution survives.
        return fetch(root() + "cart/update.js", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ attributes: { referral_code: ref, referral_at: new Date(at).toISOString() } }),
        });
      });
    }
    return p.then(ok);
  }

  function consented() {
    return new Promise(function (done) {
      if (S.granted != null) return done(S.granted);
      // The page's own setting first, else the shop's (admin settings).
      var mode = cfg.consent || (S.conf && S.conf.consent);
      if (mode === "granted") return done(true);
      var sh = w.Shopify;
      if (mode !== "ask" && sh && sh.loadFeatures) {
        sh.loadFeatures([{ name: "consent-tracking-api", version: "0.1" }], function (err) {
          try {
            done(!err && sh.customerPrivacy.marketingAllowed());
          } catch (e) {
            done(false);
          }
        });
      } else done(false);
    });
  }

  function keep(ref, code, at) {
    try {
      localStorage.setItem(KEY, JSON.stringify({ r: ref, c: code, t: at }));
      sessionStorage.setItem(KEY, "1");
      if (cfg.cart === "woocommerce") {
        // The loader plugin copies this cookie into the order's meta at checkout.
        d.cookie = KEY + "=" + encodeURIComponent(ref) + ";path=/;max-age=" + days() * 86400 +
          ";samesite=lax" + (location.protocol === "https:" ? ";secure" : "");
      }
    } catch (e) {
      // Storage can be disabled; the discount and cart attributes still carry the referral.
    }
  }

  function forget() {
    try {
      localStorage.removeItem(KEY);
      d.cookie = KEY + "=;path=/;max-age=0";
    } catch (e) {
      // nothing stored, nothing to remove
    }
  }

  function consent(yes) {
    S.granted = !!yes;
    if (!yes) forget();
    else if (S.pending) keep.apply(null, S.pending);
    S.pending = null;
  }

  function claim(email) {
    var l = S.land;
    api("claim", { ref: l.ref, email: email }).then(function (j) {
      l.code = j.code;
      drawAll(true);
      return applyCode(l.ref, j.code, l.at).then(function () {
        l.applied = true;
        drawAll(true);
      });
    }).catch(noop);
  }

  function landing() {
    var name = S.conf.ref_param || "ref";
    var url = new URL(location.href);
    var ref = (url.searchParams.get(name) || "").slice(0, 64);
    if (!ref) return remembered();
    // Drop the parameter so a reload or a re-shared URL does not count another click.
    url.searchParams.delete(name);
    try {
      history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    } catch (e) {
      // some hosts freeze history; the click is still recorded once per landing
    }
    var at = Date.now();
    api("click", { ref: ref }).then(function (j) {
      var l = S.land = { ref: ref, at: at, offer: j.offer, code: j.code, claim: j.claim, partner: j.partner };
      drawAll(true);
      consented().then(function (yes) {
        if (yes) keep(ref, j.code, at);
        else S.pending = [ref, j.code, at];
      });
      if (j.code) {
        return applyCode(ref, j.code, at).then(function () {
          l.applied = true;
          drawAll(true);
        });
      }
      return null;
    }).catch(noop);
  }

  function remembered() {
    var saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(KEY) || "null");
    } catch (e) {
      return;
    }
    if (!saved) return;
    consented().then(function (yes) {
      if (!yes || Date.now() - saved.t > days() * 864e5) return forget();
      // A returning friend in a new browser session gets the discount back, once per session.
      if (saved.c && !sessionStorage.getItem(KEY)) {
        sessionStorage.setItem(KEY, "1");
        return applyCode(saved.r, saved.c, saved.t);
      }
      return null;
    }).catch(noop);
  }

  // ---- boot -----------------------------------------------------------------------------------

  function lang(el) {
    var n = el.closest("[lang]") || d.documentElement;
    return cfg.locale || n.lang || navigator.language || "es";
  }

  function boot(el) {
    if (S.started) return;
    S.started = 1;
    var tag = lang(el);
    L = known(tag) ? tag : "es";
    api("config?locale=" + encodeURIComponent(tag)).then(function (c) {
      if (!known(tag)) L = c.locale;
      S.conf = c;
      S.me = c.me || null;
      drawAll();
      landing();
    }).catch(noop);
  }

  function refresh() {
    if (!S.conf || !S.conf.customer) return;
    api("me").then(function (j) {
      S.me = j;
      drawAll();
    }).catch(noop);
  }

  class Widget extends HTMLElement {
    connectedCallback() {
      try {
        if (!this.sr) this.build();
        if (views.indexOf(this) < 0) views.push(this);
        boot(this);
        this.draw();
      } catch (e) {
        // an element that cannot draw stays empty
      }
    }

    disconnectedCallback() {
      var at = views.indexOf(this);
      if (at >= 0) views.splice(at, 1);
    }

    build() {
      var v = this;
      var inline = (v.inl = v.hasAttribute("inline"));
      var sr = (v.sr = v.attachShadow({ mode: "open" }));
      var left = /left/.test(v.getAttribute("position") || cfg.position || "");
      var top = inline ? null : "manual";
      v.bn = h("section", { class: "bn", "aria-labelledby": "rw-bt", hidden: true, popover: top });
      v.btn = inline ? null : h("button", {
        type: "button", class: "ln", "aria-haspopup": "dialog", "aria-expanded": "false", popover: top,
        "aria-controls": "rw-p", "data-k": "launcher", onclick: function () { v.toggle(!v.open); },
      });
      v.x = inline ? null : h("button", {
        type: "button", class: "x", "data-k": "close", onclick: function () { v.toggle(false); },
      }, [icon(CROSS)]);
      v.ttl = h("h2", { id: "rw-t" });
      v.bd = h("div", { class: "bd" });
      v.live = h("p", { class: "sr", "aria-live": "polite" });
      v.pn = h("div", inline ? { class: "pn", role: "region", "aria-labelledby": "rw-t" }
        : { class: "pn", id: "rw-p", role: "dialog", "aria-modal": "true", "aria-labelledby": "rw-t", popover: top },
      [v.x, v.ttl, v.bd, v.live]);
      v.box = h("div", { class: "rw" + (inline ? " in" : "") + (left ? " left" : ""), part: "root" },
        [v.bn, v.btn, v.pn]);
      sr.append(h("style", { text: CSS }), v.box);
      sr.addEventListener("keydown", guard(function (e) { v.key(e); }));
    }

    draw(bannerOnly) {
      var v = this;
      var ready = !!S.conf;
      v.box.hidden = !ready;
      if (!ready) return;
      banner(v);
      if (bannerOnly) return;
      // Redrawing replaces the body, so remember which control had focus and restore it.
      var active = v.sr.activeElement;
      var want = v.want || (active && active.getAttribute("data-k"));
      v.want = null;
      v.ttl.textContent = t("title");
      if (v.btn) {
        v.btn.textContent = "";
        v.btn.append(icon(GIFT), t("launcher"));
        v.btn.setAttribute("aria-expanded", String(!!v.open));
        v.x.setAttribute("aria-label", t("close"));
        show(v.btn, true);
      }
      show(v.pn, v.inl || !!v.open);
      v.bd.textContent = "";
      v.bd.append(S.me ? joined(v) : joinForm(v));
      var target = want && v.sr.querySelector('[data-k="' + want + '"]');
      if (target && !target.disabled) target.focus();
    }

    toggle(open) {
      var v = this;
      if (v.inl) return;
      v.open = open;
      if (!S.conf) return; // opened before the config arrived: shown once it does
      v.draw();
      if (!open) {
        v.btn.focus();
        return;
      }
      (v.pn.querySelector("input:not([readonly]),.pri") || v.x).focus();
      // A signed-in customer joins by opening the widget: no form to fill; a member sees
      // fresh numbers each time.
      if (S.conf.customer) {
        if (S.me) refresh();
        else if (!S.conf.terms) join(v);
      }
    }

    say(message) {
      var live = this.live;
      live.textContent = "";
      // Setting the text after a pause makes screen readers announce a repeated message again.
      setTimeout(function () { live.textContent = message; }, 60);
    }

    key(e) {
      var v = this;
      if (v.inl || !v.open) return;
      if (e.key === "Escape") {
        e.stopPropagation();
        v.toggle(false);
        return;
      }
      if (e.key !== "Tab") return;
      // Keep Tab inside the open dialog (it is modal), wrapping at both ends.
      var items = [].filter.call(v.pn.querySelectorAll("a[href],button,input"), function (n) {
        return !n.disabled && n.getClientRects().length > 0;
      });
      var first = items[0];
      var last = items[items.length - 1];
      var at = v.sr.activeElement;
      if (e.shiftKey ? at === first : at === last) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    }
  }

  var CSS = [
    ":host{all:initial!important;display:block!important}",
    // Pixel sizes and an explicit font: nothing is inherited from the host page's styles.
    ".rw{font:400 15px/1.45 var(--rw-font,system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif);",
    "color:var(--rw-text,#1c1c1c);text-align:left;letter-spacing:normal;text-transform:none;word-spacing:normal}",
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    "button,input{font:inherit;margin:0}",
    "button{cursor:pointer}",
    ":focus-visible{outline:3px solid var(--rw-focus,#1a56db);outline-offset:2px}",
    ".i{display:inline-flex}",
    // The Popover API's own styles (inset, margin, border, colours) would move and repaint these.
    ".ln,.pn,.bn{inset:auto;margin:0;border:0;overflow:visible;color:inherit}",
    ".ln{position:fixed;z-index:2147483000;bottom:20px;right:20px;display:inline-flex;align-items:center;gap:8px;",
    "padding:12px 18px;border:0;border-radius:999px;font-weight:600;box-shadow:0 4px 16px rgba(0,0,0,.25);",
    "background:var(--rw-accent,#0b5c63);color:var(--rw-on-accent,#fff)}",
    ".pn{position:fixed;z-index:2147483001;bottom:80px;right:20px;width:380px;max-width:calc(100vw - 24px);",
    "max-height:calc(100vh - 100px);overflow:auto;padding:20px;border-radius:var(--rw-radius,14px);",
    "background:var(--rw-bg,#fff);color:var(--rw-text,#1c1c1c);box-shadow:0 12px 40px rgba(0,0,0,.3)}",
    ".left .ln,.left .pn{right:auto;left:20px}",
    ".in .pn{position:static;width:auto;max-width:none;max-height:none;box-shadow:none;border:1px solid #c8c8c8}",
    "h2{margin:0 36px 8px 0;font-size:19px;line-height:1.25;font-weight:700}",
    "h3{margin:16px 0 6px;font-size:15px;font-weight:700}",
    "p{margin:0 0 10px}",
    "label,.lbl{display:block;margin:12px 0 4px;font-weight:600}",
    ".row{display:flex;flex-wrap:wrap;gap:8px}",
    ".ck{display:flex;gap:8px;font-weight:400}.ck input{flex:none}",
    "select{font:inherit;padding:8px;border:1px solid #767676;border-radius:8px}",
    ".lb li{display:flex;justify-content:space-between;padding:4px 0}.lb [data-me]{font-weight:700}",
    "input{flex:1 1 160px;min-width:0;padding:9px 10px;border:1px solid #767676;border-radius:8px;background:#fff;color:#1c1c1c}",
    ".pri,.s{display:inline-flex;align-items:center;justify-content:center;padding:9px 14px;border-radius:8px;",
    "border:2px solid var(--rw-accent,#0b5c63);font-weight:600;text-decoration:none}",
    ".pri{background:var(--rw-accent,#0b5c63);color:var(--rw-on-accent,#fff)}",
    ".pri[disabled]{opacity:.7;cursor:progress}",
    ".s{background:#fff;color:var(--rw-accent,#0b5c63);padding:7px 10px;font-size:14px}",
    ".sh{display:flex;flex-wrap:wrap;gap:6px}",
    ".s-whatsapp{background:#075e54;border-color:#075e54;color:#fff;order:-1}",
    ".code strong{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:16px;letter-spacing:.5px}",
    ".x{position:absolute;top:12px;right:12px;display:inline-flex;padding:6px;border:0;border-radius:8px;background:transparent;color:inherit}",
    ".err{color:#b3261e;font-weight:600;margin:6px 0 0}",
    ".err:empty{display:none}",
    ".fine{color:#555;font-size:13px;margin-top:10px}",
    ".db ul{list-style:none;margin:0;padding:0}",
    ".st li{padding:2px 0}",
    ".rl li,.lp li{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:baseline;padding:8px 0;border-top:1px solid #e2e2e2}",
    ".tag{font-size:13px;color:#555}",
    ".pts{font-size:22px;font-weight:700;margin:4px 0}.sc{letter-spacing:4px;font-size:18px}progress{width:100%;height:8px}.cat .pri{margin-left:auto}",
    ".rc{font-family:ui-monospace,Menlo,Consolas,monospace;width:100%}",
    "time{font-size:13px;color:#555}",
    ".bn{position:fixed;z-index:2147483002;top:0;left:0;right:0;width:auto;padding:12px 52px 12px 16px;",
    "background:var(--rw-banner,#fff3c4);color:#1c1c1c;box-shadow:0 2px 10px rgba(0,0,0,.2);text-align:center}",
    ".bn p{margin:0;font-weight:600}",
    ".bn form{justify-content:center;margin-top:8px}",
    ".bn input{max-width:260px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;margin:0}",
    "@media (max-width:480px){.pn,.left .pn{left:0;right:0;bottom:0;width:auto;max-width:none;",
    "max-height:85vh;border-radius:14px 14px 0 0}.ln{bottom:12px;right:12px}.left .ln{left:12px}}",
  ].join("");

  function command(name, arg) {
    var v = views.filter(function (x) { return !x.inl; })[0];
    if (name === "open" && v) v.toggle(true);
    else if (name === "close" && v) v.toggle(false);
    else if (name === "consent") consent(arg !== false);
    else if (name === "refresh") refresh();
  }

  var mount = guard(function () {
    customElements.define(TAG, Widget);
    if (cfg.launcher !== "off" && !d.querySelector(TAG + ":not([inline])")) {
      d.body.append(d.createElement(TAG));
    }
    var run = (w.ReferralWidget = guard(command));
    run.o = cfg;
    ((queued && queued.q) || []).forEach(function (args) { run.apply(null, args); });
  });

  try {
    d.addEventListener("visitorConsentCollected", guard(function (e) {
      consent(!!(e.detail && e.detail.marketingAllowed));
    }));
    if (d.body) mount();
    else d.addEventListener("DOMContentLoaded", mount);
  } catch (e) {
    // the host page keeps working without the widget
  }
})(window, document);
