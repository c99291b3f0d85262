// SilkLedger explorer: plain JS over the node's RPC (docs/api.md) and event
// stream (GET /v1/events). Everything shown is built with textContent and
// DOM nodes, never parsed from HTML strings: chain values may be hostile.
'use strict';

(() => {
  const view = document.getElementById('view');
  const LATEST = 15; // blocks on the front page
  let stream = null; // the front page's WebSocket

  // ---- DOM helpers ----
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = String(v);
      else if (k === 'href') e.setAttribute('href', v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const link = (href, text, cls) => el('a', { href, class: cls }, text);
  const short = (hex) => (typeof hex === 'string' && hex.length > 20 ? hex.slice(0, 10) + '…' + hex.slice(-6) : String(hex));
  const time = (ms) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : '');
  const enc = encodeURIComponent;
  const isHex64 = (s) => /^[0-9a-f]{64}$/.test(s);

  function fields(pairs) {
    const dl = el('dl', { class: 'fields' });
    for (const [k, v] of pairs) {
      dl.append(el('dt', {}, k), el('dd', {}, v === undefined || v === null ? '' : v));
    }
    return dl;
  }
  function table(headers, rows, id) {
    const t = el('table', { id });
    t.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))));
    const body = el('tbody');
    for (const r of rows) body.append(r);
    t.append(body);
    return t;
  }
  const row = (...cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c)));
  const pre = (value) => el('pre', {}, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  function show(...nodes) {
    view.replaceChildren(...nodes);
  }
  function notice(text, bad) {
    return el('div', { class: bad ? 'notice bad' : 'notice', role: bad ? 'alert' : 'status' }, text);
  }

  // ---- RPC ----
  async function api(path, body) {
    const opts = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
    const res = await fetch(path, opts);
    let json = null;
    try {
      json = await res.json();
    } catch (e) {
      throw new Error(`${path}: HTTP ${res.status} without JSON`);
    }
    if (!res.ok) {
      const msg = json && json.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${res.status}`;
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return json;
  }
  const query = (contract, method, args) => api('/v1/query', { contract, method, args });

  function streamUrl(params) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/v1/events${params ? '?' + params : ''}`;
  }

  // ---- views ----
  function blockRow(b, fresh) {
    const tr = row(
      link(`#/block/${b.height}`, String(b.height)),
      el('span', { class: 'mono', title: b.hash }, short(b.hash)),
      time(b.timestamp_ms),
      String(b.tx_count),
      el('span', { class: 'mono', title: b.proposer }, short(b.proposer)),
    );
    tr.dataset.height = String(b.height);
    if (fresh) tr.className = 'fresh';
    return tr;
  }

  async function latestView() {
    const state = el('span', { id: 'live-state', class: 'muted' }, el('span', { class: 'live' }), 'connecting…');
    const body = el('tbody', { id: 'blocks-body' });
    const t = el('table', { id: 'blocks' },
      el('thead', {}, el('tr', {}, ...['height', 'hash', 'time (UTC)', 'txs', 'proposer'].map((h) => el('th', {}, h)))), body);
    show(el('h2', {}, 'Latest blocks ', state), t);

    const seen = new Set();
    const add = (b, fresh) => {
      if (seen.has(b.height)) return;
      seen.add(b.height);
      const r = blockRow(b, fresh);
      const after = [...body.children].find((tr) => Number(tr.dataset.height) < b.height);
      body.insertBefore(r, after || null);
      while (body.children.length > LATEST) body.lastElementChild.remove();
    };

    let tip = 0;
    try {
      const chain = await api('/v1/chain');
      tip = chain.height;
      document.getElementById('chain').textContent = `${chain.chain_id} · ${chain.consensus} · height ${chain.height}`;
    } catch (e) {
      view.append(notice(`cannot read the chain: ${e.message}`, true));
      return;
    }
    // The stream replays the last blocks and then goes live, without gaps.
    const from = Math.max(0, tip - LATEST + 1);
    const ws = new WebSocket(streamUrl(`from_height=${from}&types=block`));
    stream = ws;
    ws.onopen = () => {
      state.replaceChildren(el('span', { class: 'live on' }), 'live');
    };
    ws.onmessage = (ev) => {
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (m.type === 'block') {
        add(m, m.height > tip);
        if (m.height > tip) {
          tip = m.height;
          const c = document.getElementById('chain');
          c.textContent = c.textContent.replace(/height \d+$/, `height ${tip}`);
        }
      } else if (m.type === 'error') {
        state.replaceChildren(el('span', { class: 'live' }), `stream: ${m.message}`);
      }
    };
    ws.onclose = () => {
      if (stream === ws) state.replaceChildren(el('span', { class: 'live' }), 'disconnected (reload to resume)');
    };
  }

  async function blockView(spec) {
    const b = await api(`/v1/block/${enc(spec)}`);
    const h = b.header;
    const rows = [];
    const body = table(['#', 'tx id', 'contract.method', 'result'], rows, 'block-txs');
    show(
      el('h2', {}, `Block ${h.height}`),
      fields([
        ['hash', el('span', { class: 'mono' }, b.hash)],
        ['time (UTC)', time(h.timestamp_ms)],
        ['proposer', el('span', { class: 'mono' }, h.proposer)],
        ['previous', h.height > 0 ? link(`#/block/${h.height - 1}`, h.prev_hash, 'mono') : el('span', { class: 'mono' }, h.prev_hash)],
        ['txs', String(h.tx_count)],
        ['tx root', el('span', { class: 'mono' }, h.tx_root)],
        ['receipts root', el('span', { class: 'mono' }, h.receipts_root)],
        ['state root', el('span', { class: 'mono' }, h.state_root)],
        ['certificate', `${b.cert.kind}, ${b.cert.votes.length} vote(s)`],
      ]),
      el('p', {}, link(`#/block/${h.height + 1}`, 'next block →')),
      el('h3', {}, 'Transactions'),
      body,
    );
    const tbody = body.querySelector('tbody');
    const ids = b.tx_ids.slice(0, 200);
    for (let i = 0; i < ids.length; i++) {
      const r = row(String(i), link(`#/tx/${ids[i]}`, ids[i], 'mono'), '', '');
      tbody.append(r);
      api(`/v1/tx/${ids[i]}`).then((t) => {
        r.children[2].textContent = `${t.tx.contract}.${t.tx.method}`;
        const ok = t.receipt && t.receipt.code === 0;
        r.children[3].replaceChildren(el('span', { class: ok ? 'ok' : 'failed' }, ok ? 'ok' : t.receipt ? t.receipt.code_name : 'pending'));
      }).catch(() => {});
    }
    if (b.tx_ids.length > ids.length) view.append(notice(`${b.tx_ids.length - ids.length} more txs not listed`));
  }

  async function txView(id) {
    const t = await api(`/v1/tx/${enc(id)}`);
    if (t.status !== 'committed') {
      show(el('h2', {}, 'Transaction'), fields([['tx id', t.tx_id], ['status', t.status]]));
      return;
    }
    const r = t.receipt;
    const ok = r.code === 0;
    const args = t.tx.args;
    const docId = args && typeof args === 'object' && typeof args.doc_id === 'string' ? args.doc_id : null;
    const events = table(['contract', 'name', 'data'], r.events.map((e) => row(e.contract, e.name, pre(e.data))), 'tx-events');
    show(
      el('h2', {}, 'Transaction'),
      fields([
        ['tx id', el('span', { class: 'mono', id: 'tx-id' }, t.tx_id)],
        ['status', t.status],
        ['block', link(`#/block/${t.height}`, `${t.height} (index ${t.index})`)],
        ['time (UTC)', time(t.timestamp_ms)],
        ['call', el('span', { id: 'tx-call' }, `${t.tx.contract}.${t.tx.method}`)],
        ['sender', el('span', { class: 'mono' }, `${t.tx.sender} (${t.tx.sender_kind})`)],
        ['document', docId ? link(`#/doc/${enc(docId)}`, docId) : null],
      ]),
      el('h3', {}, 'Arguments'),
      pre(args),
      el('h3', {}, 'Receipt'),
      fields([
        ['result', el('span', { id: 'receipt-result', class: ok ? 'ok' : 'failed' }, ok ? 'ok' : `${r.code_name}: ${r.message}`)],
        ['returned', r.result === null ? '' : pre(r.result)],
        ['write set hash', el('span', { class: 'mono' }, r.write_set_hash)],
      ]),
      el('h3', {}, 'Events'),
      events,
    );
  }

  async function docView(docId) {
    const q = await query('documents', 'history', { doc_id: docId });
    const h = q.result;
    const rows = (h.timeline || []).map((e) => row(
      time(e.at_ms),
      e.source,
      e.event,
      e.height ? link(`#/block/${e.height}`, String(e.height)) : '',
      e.tx_id ? link(`#/tx/${e.tx_id}`, short(e.tx_id), 'mono') : '',
      e.signer || '',
      pre(e.detail),
    ));
    let record = null;
    try {
      record = (await query('documents', 'document', { doc_id: docId })).result;
    } catch (e) {
      record = null;
    }
    // A transferable record's title: its eBL's state, holder and owner (a surrendered or void
    // bill is no live title).
    let title = null;
    try {
      title = (await query('ebl', 'title', { doc_id: docId })).result.title;
    } catch (e) {
      title = null;
    }
    const live = title && ['ISSUED', 'PENDING_SURRENDER_FOR_DELIVERY', 'PENDING_SURRENDER_FOR_AMENDMENT'].includes(title.status);
    const rowsOf = [
      ['status', el('span', { id: 'doc-status', class: h.status === 'ACTIVE' ? 'ok' : 'failed' }, h.status)],
      ['type', record ? record.type : ''],
      ['doc hash', record ? el('span', { class: 'mono' }, record.doc_hash) : ''],
      ['issuer org', record ? record.issuer_org : ''],
      ['anchored', record && record.anchored_at_ms ? `${time(record.anchored_at_ms)} (proof of existence; claimed signing time ${time(record.issued_at_ms)})` : ''],
    ];
    if (title) {
      rowsOf.push(['title', el('span', { id: 'doc-title', class: live ? 'ok' : 'failed' },
        `eBL ${title.status}: holder ${title.holder}, owner ${title.owner || '(none named)'}, carrier ${title.carrier}` +
        (live ? '' : ' (no live title)'))]);
    }
    rowsOf.push(['verify', link(`#/verify/${enc(h.doc_id)}`, 'verify a file against this document')]);
    show(
      el('h2', {}, 'Document ', el('span', { id: 'doc-id' }, h.doc_id)),
      fields(rowsOf),
      el('h3', {}, 'History'),
      table(['time (UTC)', 'source', 'event', 'height', 'tx', 'signed by', 'detail'], rows, 'doc-timeline'),
    );
  }

  async function sha256Hex(file) {
    if (!window.crypto || !crypto.subtle) {
      throw new Error('this browser offers no WebCrypto here (it needs https, or http on localhost)');
    }
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function jurisdictions() {
    try {
      const c = await api('/v1/config');
      const orgs = (c.result && c.result.config && c.result.config.orgs) || [];
      return [...new Set(orgs.map((o) => o.jurisdiction).filter(Boolean))].sort();
    } catch (e) {
      return [];
    }
  }

  async function verifyView(presetDocId) {
    const file = el('input', { id: 'verify-file', type: 'file' });
    const docId = el('input', { id: 'verify-doc-id', type: 'text', placeholder: 'optional: found by the file hash' });
    if (presetDocId) docId.value = presetDocId;
    const jur = el('select', { id: 'verify-jurisdiction' });
    const button = el('button', { id: 'verify-submit', type: 'submit' }, 'Verify');
    const drop = el('div', { id: 'drop' }, 'Drop a file here, or choose one: ', file);
    const result = el('div', { id: 'verify-result' });
    const form = el('form', { class: 'verify', id: 'verify-form' },
      drop,
      el('label', {}, 'Document id ', docId),
      el('label', {}, 'Verifying jurisdiction ', jur),
      button);
    show(
      el('h2', {}, 'Verify a file'),
      el('p', { class: 'muted' }, 'The file is hashed in this browser (SHA-256, WebCrypto); only its hash is sent to the node.'),
      form,
      result,
    );
    for (const j of await jurisdictions()) jur.append(el('option', { value: j }, j));

    let chosen = null;
    const run = async () => {
      const f = chosen || (file.files && file.files[0]);
      if (!f) {
        result.replaceChildren(notice('choose a file first', true));
        return;
      }
      result.replaceChildren(notice(`hashing ${f.name}…`));
      try {
        const hex = await sha256Hex(f);
        const out = [fields([['file', f.name], ['size', `${f.size} bytes`], ['sha256', el('span', { class: 'mono', id: 'verify-hash' }, hex)]])];
        // The notary contract anchors plain digests too.
        try {
          const n = await api(`/v1/state?key=${enc('notary/' + hex)}`);
          out.push(notice(`notary: this exact file was anchored (${JSON.stringify(n.value).slice(0, 200)})`));
        } catch (e) {
          if (e.status !== 404) throw e;
        }
        let id = docId.value.trim();
        if (!id) {
          try {
            const s = await api(`/v1/state?key=${enc('documents/hash/' + hex)}`);
            id = typeof s.value === 'string' ? s.value : '';
          } catch (e) {
            if (e.status !== 404) throw e;
          }
          if (!id) {
            out.push(notice(`no document anchors ${hex}: not issued on this chain, or the content was changed`, true));
            out[out.length - 1].id = 'verify-not-found';
            result.replaceChildren(...out);
            return;
          }
        }
        if (!jur.value) throw new Error('choose a verifying jurisdiction');
        const v = (await api('/v1/verify', { doc_id: id, jurisdiction: jur.value, presented_hash: hex })).result;
        const frags = table(['fragment', 'result', 'reason'],
          v.fragments.map((x) => {
            const r = row(x.name, el('span', { class: x.result }, x.result), x.reason);
            r.dataset.fragment = x.name;
            return r;
          }), 'verdict-fragments');
        out.push(
          el('p', { class: 'verdict-overall' }, 'Document ', link(`#/doc/${enc(v.doc_id)}`, v.doc_id),
            ` as verified by ${v.verifying_jurisdiction} at ${time(v.at_ms)}: `,
            el('span', { id: 'verdict-overall', class: v.overall }, v.overall)),
        );
        const about = [['signed', `${time(v.poe_ms)} (proof of existence: the anchoring block; claimed ${time(v.claimed_signing_ms)})`]];
        if (v.title) {
          about.push(['title', el('span', { id: 'verdict-title' },
            `eBL ${v.title.status}: holder ${v.title.holder}, owner ${v.title.owner || '(none named)'}, carrier ${v.title.carrier}`)]);
        }
        out.push(fields(about), frags);
        result.replaceChildren(...out);
      } catch (e) {
        result.replaceChildren(notice(`verification failed: ${e.message}`, true));
      }
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      run();
    });
    file.addEventListener('change', () => {
      chosen = null;
      run();
    });
    drop.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (ev) => {
      ev.preventDefault();
      drop.classList.remove('over');
      if (ev.dataTransfer && ev.dataTransfer.files.length) {
        chosen = ev.dataTransfer.files[0];
        run();
      }
    });
  }

  // ---- routing: #/, #/block/H, #/tx/ID, #/doc/ID, #/verify[/DOC_ID] ----
  async function route() {
    if (stream) {
      const s = stream;
      stream = null;
      s.close();
    }
    const parts = location.hash.replace(/^#\/?/, '').split('/').map((p) => decodeURIComponent(p));
    try {
      if (parts[0] === 'block' && parts[1]) await blockView(parts[1]);
      else if (parts[0] === 'tx' && parts[1]) await txView(parts[1]);
      else if (parts[0] === 'doc' && parts[1]) await docView(parts.slice(1).join('/'));
      else if (parts[0] === 'verify') await verifyView(parts.slice(1).join('/'));
      else await latestView();
    } catch (e) {
      show(notice(e.status === 404 ? `not found: ${e.message}` : `error: ${e.message}`, true));
    }
  }

  document.getElementById('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = document.getElementById('search-input').value.trim();
    if (!q) return;
    if (/^\d+$/.test(q)) location.hash = `#/block/${q}`;
    else if (isHex64(q.toLowerCase())) location.hash = `#/tx/${q.toLowerCase()}`;
    else location.hash = `#/doc/${enc(q)}`;
  });
  window.addEventListener('hashchange', route);
  route();
})();
