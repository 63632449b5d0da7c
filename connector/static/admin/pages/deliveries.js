// Deliveries: the store's webhooks as received, failures and dead letters, and replay.
import { words, when, label, number } from '../i18n.js';
import { h, empty, table, button, busy, field } from '../dom.js';

const w = words({
  en: {
    status: 'Show', problems: 'Failed and gave up', all: 'All', none: 'No deliveries here.',
    noneNext: 'Your store’s order webhooks appear here as they arrive. Failures can be replayed.',
    topic: 'Topic', received: 'Received', attempts: 'Attempts', error: 'Last error', replay: 'Replay',
    replayTitle: 'Replay delivery {id}?', replayBody: 'It is processed again from the body as received. Orders already counted are not counted twice.',
    replayed: 'Delivery {id} queued again.', queued: 'Queued again',
    intro: 'Every webhook your store sent, stored before we answered. When one keeps failing it gives up; replay it once the cause is fixed.',
  },
  es: {
    status: 'Mostrar', problems: 'Fallidas y abandonadas', all: 'Todas', none: 'No hay entregas aquí.',
    noneNext: 'Los webhooks de pedidos de tu tienda aparecen aquí al llegar. Las fallidas se pueden reenviar.',
    topic: 'Tema', received: 'Recibida', attempts: 'Intentos', error: 'Último error', replay: 'Reprocesar',
    replayTitle: '¿Reprocesar la entrega {id}?', replayBody: 'Se procesa de nuevo con el cuerpo tal como llegó. Los pedidos ya contados no se cuentan dos veces.',
    replayed: 'Entrega {id} en cola de nuevo.', queued: 'En cola de nuevo',
    intro: 'Cada webhook que envió tu tienda, guardado antes de responder. Si uno falla una y otra vez se abandona; reprocésalo cuando la causa esté resuelta.',
  },
});

const FILTERS = ['problems', 'all', 'pending', 'processing', 'dead', 'done'];
// A delivery that failed and waits for its next try is pending with an error.
const troubled = (d) => d.status === 'dead' || (d.status === 'pending' && Boolean(d.last_error));

export default {
  async render(root, ctx) {
    const select = h('select', { id: 'deliveries-status' }, FILTERS.map((f) => h('option', { value: f }, w(f) === f ? label(f) : w(f))));
    const list = h('div', { 'aria-live': 'polite' });

    async function load() {
      const status = select.value;
      const asks = status === 'problems' ? ['pending', 'dead'] : [status === 'all' ? null : status];
      const answers = await Promise.all(asks.map((s) => ctx.api('GET', `/deliveries?limit=100${s ? `&status=${s}` : ''}`)));
      const rows = answers.flatMap((a) => a.deliveries).filter((d) => status !== 'problems' || troubled(d))
        .sort((x, y) => y.id - x.id);
      if (!rows.length) { list.replaceChildren(empty(w('none'), w('noneNext'))); return; }
      list.replaceChildren(table(w('status'), ['#', w('topic'), w('common.state'), w('received'), w('attempts'), w('error'), w('common.actions')],
        rows.map((d) => {
          const cell = h('td', {});
          if (troubled(d)) {
            const replay = button(w('replay'), async () => {
              const sure = await ctx.confirmAction({ title: w('replayTitle', { id: d.id }), body: w('replayBody'), confirm: w('replay') });
              if (!sure) return;
              const done = await busy(replay, () => ctx.api('POST', `/deliveries/${d.id}/replay`), (e) => cell.append(ctx.errorBox(e)));
              if (!done) return;
              ctx.toast(w('replayed', { id: d.id }));
              cell.replaceChildren(h('span', { class: 'badge good' }, w('queued')));
              state.replaceChildren(h('span', { class: 'badge' }, label(done.status)));
            }, { 'aria-label': `${w('replay')} ${d.id}` });
            cell.append(replay);
          }
          const tone = troubled(d) ? 'badge bad' : d.status === 'done' ? 'badge good' : 'badge';
          const state = h('td', {}, h('span', { class: tone }, label(d.status)));
          return h('tr', {}, h('td', {}, String(d.id)), h('td', {}, h('code', {}, d.topic)), state, h('td', {}, when(d.received_at)),
            h('td', { class: 'num' }, number(d.attempts)), h('td', {}, d.last_error || '—'), cell);
        })));
    }

    select.addEventListener('change', () => load().catch((e) => list.replaceChildren(ctx.errorBox(e))));
    root.append(h('p', {}, w('intro')), h('div', { class: 'card' }, h('div', { class: 'row' }, field(w('status'), select)), list));
    await load();
  },
};
