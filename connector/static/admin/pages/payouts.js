// Payouts: the cash and donation records a person pays by hand; mark one paid; the CSV.
import { words, when, label, money } from '../i18n.js';
import { h, empty, table, button, busy, field } from '../dom.js';

const w = words({
  en: {
    intro: 'Cash rewards and donations are not paid by the store: pay them your way, then mark them paid here.',
    status: 'Show', toPay: 'To pay', paid: 'Paid', all: 'All', csv: 'Download CSV', csvDone: 'payouts.csv downloaded.',
    none: 'Nothing to pay.', noneNext: 'Cash rewards and donations appear here once their referral is rewarded.',
    recorded: 'Recorded', kind: 'Kind', amount: 'Amount', to: 'To', cause: 'Cause', paidBy: 'Paid by',
    reference: 'Payment reference (optional)', markPaid: 'Mark paid', markTitle: 'Mark payout {id} paid?',
    markBody: '{amount} to {who}. Do this only after the money has left your account: it cannot be undone.',
    marked: 'Payout {id} marked paid.',
  },
  es: {
    intro: 'Los premios en efectivo y las donaciones no los paga la tienda: págalos a tu manera y márcalos aquí como pagados.',
    status: 'Mostrar', toPay: 'Por pagar', paid: 'Pagados', all: 'Todos', csv: 'Descargar CSV', csvDone: 'payouts.csv descargado.',
    none: 'Nada que pagar.', noneNext: 'Los premios en efectivo y las donaciones aparecen aquí cuando su referido se recompensa.',
    recorded: 'Registrado', kind: 'Tipo', amount: 'Importe', to: 'Para', cause: 'Causa', paidBy: 'Pagado por',
    reference: 'Referencia del pago (opcional)', markPaid: 'Marcar como pagado', markTitle: '¿Marcar el pago {id} como pagado?',
    markBody: '{amount} para {who}. Hazlo solo cuando el dinero haya salido de tu cuenta: no se puede deshacer.',
    marked: 'Pago {id} marcado como pagado.',
  },
});

export default {
  async render(root, ctx) {
    const status = h('select', { id: 'payout-status' }, h('option', { value: 'recorded' }, w('toPay')),
      h('option', { value: 'paid' }, w('paid')), h('option', { value: '' }, w('all')));
    const list = h('div', { 'aria-live': 'polite' });
    const csv = button(w('csv'), () => busy(csv, async () => {
      await ctx.download(`/payouts.csv${status.value ? `?status=${status.value}` : ''}`, 'payouts.csv');
      ctx.toast(w('csvDone'));
    }, (e) => list.prepend(ctx.errorBox(e))));

    async function load() {
      const data = await ctx.api('GET', `/payouts${status.value ? `?status=${status.value}` : ''}`);
      if (!data.payouts.length) { list.replaceChildren(empty(w('none'), w('noneNext'))); return; }
      list.replaceChildren(table(w('status'), ['#', w('recorded'), w('kind'), w('amount'), w('to'), w('common.state'), w('common.actions')],
        data.payouts.map((p) => {
          const who = p.advocate_name || p.advocate_email || `#${p.advocate_id}`;
          const cell = h('td', {});
          if (p.status === 'recorded') {
            const ref = h('input', { id: `payout-ref-${p.reward_id}`, type: 'text', autocomplete: 'off' });
            const mark = button(w('markPaid'), async () => {
              const sure = await ctx.confirmAction({ title: w('markTitle', { id: p.reward_id }),
                body: w('markBody', { amount: money(p.amount, p.currency), who }), confirm: w('markPaid') });
              if (!sure) return;
              const body = ref.value.trim() ? { reference: ref.value.trim() } : {};
              const done = await busy(mark, () => ctx.api('POST', `/payouts/${p.reward_id}/paid`, body), (e) => cell.append(ctx.errorBox(e)));
              if (!done) return;
              ctx.toast(w('marked', { id: p.reward_id }));
              await load();
            }, { primary: true, 'aria-label': `${w('markPaid')} #${p.reward_id}` });
            cell.append(field(w('reference'), ref), mark);
          } else if (p.status === 'paid') {
            cell.append(`${w('paidBy')} ${p.paid_by || '—'} · ${when(p.paid_at)}${p.reference ? ` · ${p.reference}` : ''}`);
          }
          return h('tr', {}, h('td', {}, String(p.reward_id)), h('td', {}, when(p.recorded_at)),
            h('td', {}, label(p.kind), p.cause ? ` · ${p.cause}` : ''), h('td', { class: 'num' }, money(p.amount, p.currency)),
            h('td', {}, who), h('td', {}, h('span', { class: p.status === 'paid' ? 'badge good' : 'badge warn' }, label(p.status))), cell);
        })));
    }
    status.addEventListener('change', () => load().catch((e) => list.replaceChildren(ctx.errorBox(e))));
    root.append(h('p', {}, w('intro')), h('section', { class: 'card' }, h('div', { class: 'row' }, field(w('status'), status), csv), list));
    await load();
  },
};
