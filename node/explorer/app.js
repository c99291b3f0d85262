// SilkLedger explorer: plain JS over the node's RPC (docs/api.md) and event
// stream (GET /v1/events), with no package and no build step. Everything shown
// is built with textContent and DOM nodes, never parsed from HTML strings:
// chain values may be hostile.
'use strict';

(() => {
  const view = document.getElementById('view');
  const LATEST = 15; // blocks on the front page
  const JURISDICTION_KEY = 'silk.verifier.jurisdiction'; // localStorage: the verifier's own
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
  const time = (ms) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '');
  const enc = encodeURIComponent;
  const isHex64 = (s) => /^[0-9a-f]{64}$/.test(s);

  // A long value (a hash, a key) that wraps on a phone, with a button that copies it.
  function copyable(value, id, label) {
    const text = el('span', { class: 'mono wrap', id }, value);
    const button = el('button', { type: 'button', class: 'copy', 'aria-label': `copy ${label || 'value'}` }, 'copy');
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(String(value));
        button.textContent = 'copied';
      } catch (e) {
        // No clipboard here (plain http off localhost): select it for the user instead.
        const range = document.createRange();
        range.selectNodeContents(text);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        button.textContent = 'selected';
      }
      setTimeout(() => { button.textContent = 'copy'; }, 1500);
    });
    return el('span', { class: 'copyable' }, text, ' ', button);
  }

  function fields(pairs, id) {
    const dl = el('dl', { class: 'fields', id });
    for (const [k, v] of pairs) {
      dl.append(el('div', { class: 'field' }, el('dt', {}, k), el('dd', {}, v === undefined || v === null ? '' : v)));
    }
    return dl;
  }
  // A table that becomes a list of cards on a narrow screen: each cell carries its column name.
  function table(headers, rows, id) {
    const t = el('table', { id, class: 'cards' });
    t.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))));
    const body = el('tbody');
    for (const r of rows) body.append(r);
    t.append(body);
    labelCells(t);
    return t;
  }
  function labelCells(t) {
    const headers = [...t.querySelectorAll('thead th')].map((th) => th.textContent);
    for (const tr of t.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((td, i) => td.setAttribute('data-label', headers[i] || ''));
    }
  }
  const row = (...cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c)));
  const pre = (value) => el('pre', {}, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  // The raw JSON, one click away.
  const raw = (value, what) => el('details', { class: 'raw' }, el('summary', {}, what || 'raw JSON'), pre(value));
  function show(...nodes) {
    view.replaceChildren(...nodes);
  }
  function notice(text, bad) {
    return el('div', { class: bad ? 'notice bad' : 'notice', role: bad ? 'alert' : 'status' }, text);
  }

  // A JSON value as a person reads it: text, a list, or a table of name and value.
  function readable(v, depth) {
    depth = depth || 0;
    if (v === null || v === undefined) return el('span', { class: 'muted' }, '(none)');
    if (typeof v === 'string') return isHex64(v) || v.length > 64 ? el('span', { class: 'mono wrap' }, v) : v;
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return el('span', { class: 'muted' }, '(empty)');
      if (v.every((x) => x === null || typeof x !== 'object')) return v.map(String).join(', ');
      if (depth >= 2) return pre(v);
      return el('ol', { class: 'plain' }, ...v.map((x) => el('li', {}, readable(x, depth + 1))));
    }
    const keys = Object.keys(v);
    if (keys.length === 0) return el('span', { class: 'muted' }, '(empty)');
    if (depth >= 2) return pre(v);
    return fields(keys.map((k) => (/_ms$/.test(k) && typeof v[k] === 'number' && v[k] > 1e12
      ? [k.replace(/_ms$/, '').replace(/_/g, ' '), time(v[k])]
      : [k.replace(/_/g, ' '), readable(v[k], depth + 1)])));
  }

  // A certificate subject ("CN=issuer,O=org1,OU=issuer,C=CN") by organisation, role and
  // jurisdiction, with the full subject and the fingerprint on demand.
  function parseSubject(s) {
    const out = {};
    if (typeof s !== 'string' || !s.includes('=')) return null;
    for (const part of s.split(/[,/]\s*(?=[A-Za-z.]+=)/)) {
      const i = part.indexOf('=');
      if (i > 0) out[part.slice(0, i).trim().toUpperCase()] = part.slice(i + 1).trim();
    }
    return out;
  }
  function signerView(subject, fingerprint) {
    const p = parseSubject(subject);
    if (!p) {
      if (!subject) return '';
      return isHex64(subject) ? el('span', {}, 'key ', copyable(subject, undefined, 'key')) : subject;
    }
    const who = [p.O, p.OU || p.TITLE || p.CN, p.C].filter(Boolean).join(' · ');
    const more = el('details', { class: 'raw' }, el('summary', {}, 'certificate'),
      fields([['subject', subject], fingerprint ? ['fingerprint', copyable(fingerprint, undefined, 'fingerprint')] : null].filter(Boolean)));
    return el('span', { class: 'signer', 'data-subject': subject }, el('span', { class: 'who' }, who), more);
  }
  const orgOf = (subject) => (parseSubject(subject) || {}).O || subject || '';

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
  async function queryOrNull(contract, method, args) {
    try {
      return (await query(contract, method, args)).result;
    } catch (e) {
      return null;
    }
  }

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
    const t = table(['height', 'hash', 'time', 'txs', 'proposer'], [], 'blocks');
    const body = t.querySelector('tbody');
    body.id = 'blocks-body';
    show(el('h2', {}, 'Latest blocks ', state), t);

    const seen = new Set();
    const add = (b, fresh) => {
      if (seen.has(b.height)) return;
      seen.add(b.height);
      const r = blockRow(b, fresh);
      const after = [...body.children].find((tr) => Number(tr.dataset.height) < b.height);
      body.insertBefore(r, after || null);
      labelCells(t);
      while (body.children.length > LATEST) body.lastElementChild.remove();
    };

    let tip = 0;
    try {
      const chain = await api('/v1/chain');
      tip = chain.height;
      document.getElementById('chain').textContent = `${chain.chain_id} · ${chain.consensus} · height ${chain.height}`;
    } catch (e) {
      // The public verification listener serves verifiers, not browsing: its front page is the
      // verify page.
      if (e.status === 403) {
        location.hash = '#/verify';
        return;
      }
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
    const body = table(['#', 'tx id', 'call', 'result'], [], 'block-txs');
    show(
      el('h2', {}, `Block ${h.height}`),
      fields([
        ['hash', copyable(b.hash, 'block-hash', 'block hash')],
        ['time', time(h.timestamp_ms)],
        ['proposer', copyable(h.proposer, undefined, 'proposer')],
        ['previous', h.height > 0 ? link(`#/block/${h.height - 1}`, `block ${h.height - 1}`) : '(genesis)'],
        ['previous hash', el('span', { class: 'mono wrap' }, h.prev_hash)],
        ['txs', String(h.tx_count)],
        ['tx root', el('span', { class: 'mono wrap' }, h.tx_root)],
        ['receipts root', el('span', { class: 'mono wrap' }, h.receipts_root)],
        ['state root', el('span', { class: 'mono wrap' }, h.state_root)],
        ['certificate', `${b.cert.kind}, ${b.cert.votes.length} vote(s)`],
      ]),
      el('p', {}, link(`#/block/${h.height + 1}`, 'next block →')),
      el('h3', {}, 'Transactions'),
      body,
    );
    const tbody = body.querySelector('tbody');
    const ids = b.tx_ids.slice(0, 200);
    for (let i = 0; i < ids.length; i++) {
      const r = row(String(i), link(`#/tx/${ids[i]}`, short(ids[i]), 'mono'), '', '');
      tbody.append(r);
      api(`/v1/tx/${ids[i]}`).then((t) => {
        r.children[2].textContent = `${t.tx.contract}.${t.tx.method}`;
        const ok = t.receipt && t.receipt.code === 0;
        r.children[3].replaceChildren(el('span', { class: ok ? 'ok' : 'failed' }, ok ? 'ok' : t.receipt ? t.receipt.code_name : 'pending'));
      }).catch(() => {});
    }
    labelCells(body);
    if (b.tx_ids.length > ids.length) view.append(notice(`${b.tx_ids.length - ids.length} more txs not listed`));
  }

  async function txView(id) {
    const t = await api(`/v1/tx/${enc(id)}`);
    if (t.status !== 'committed') {
      show(el('h2', {}, 'Transaction'), fields([['tx id', copyable(t.tx_id, 'tx-id', 'tx id')], ['status', t.status]]));
      return;
    }
    const r = t.receipt;
    const ok = r.code === 0;
    const args = t.tx.args;
    const docId = args && typeof args === 'object' && typeof args.doc_id === 'string' ? args.doc_id : null;
    const events = table(['contract', 'name', 'data'],
      r.events.map((e) => row(e.contract, e.name, el('div', {}, readable(e.data, 1), raw(e.data)))), 'tx-events');
    // Signatures and certificates in the arguments are long: shown in the raw form only.
    const shownArgs = args && typeof args === 'object' && !Array.isArray(args)
      ? Object.fromEntries(Object.entries(args).filter(([k]) => !/^(signature|signer_cert|sender_cert)$/.test(k)))
      : args;
    show(
      el('h2', {}, 'Transaction'),
      fields([
        ['tx id', el('span', { class: 'mono wrap', id: 'tx-id' }, t.tx_id)],
        ['status', t.status],
        ['block', link(`#/block/${t.height}`, `${t.height} (index ${t.index})`)],
        ['time', time(t.timestamp_ms)],
        ['call', el('span', { id: 'tx-call' }, `${t.tx.contract}.${t.tx.method}`)],
        ['sender', el('span', {}, `${t.tx.sender_kind}: `, copyable(t.tx.sender, undefined, 'sender'))],
        ['document', docId ? link(`#/doc/${enc(docId)}`, docId) : null],
      ]),
      el('h3', {}, 'Arguments'),
      el('div', { id: 'tx-args' }, readable(shownArgs)),
      raw(args, 'raw arguments (JSON)'),
      el('h3', {}, 'Receipt'),
      fields([
        ['result', el('span', { id: 'receipt-result', class: ok ? 'ok' : 'failed' }, ok ? 'ok' : `${r.code_name}: ${r.message}`)],
        ['returned', r.result === null ? '' : el('div', {}, readable(r.result, 1), raw(r.result))],
        ['write set hash', el('span', { class: 'mono wrap' }, r.write_set_hash)],
      ]),
      el('h3', {}, 'Events'),
      events,
    );
  }

  // One history event in words, e.g. "endorsed by org1 to org3".
  function inWords(e) {
    const d = e.detail && typeof e.detail === 'object' ? e.detail : {};
    const by = orgOf(e.signer) || d.actor || '';
    const reason = d.reason ? ` (${d.reason})` : '';
    if (e.source === 'ebl') {
      const to = d.recipient || '';
      const words = {
        ISSUE: `eBL issued by ${d.actor} to ${to}`,
        ENDORSE: `endorsed by ${d.actor} to ${to}`,
        ENDORSE_TO_ORDER: `endorsed to order by ${d.actor}`,
        BLANK_ENDORSE: `blank-endorsed by ${d.actor}`,
        TRANSFER: `control transferred by ${d.actor} to ${to}`,
        SURRENDER_FOR_DELIVERY: `surrender for delivery requested by ${d.actor}`,
        SURRENDER_FOR_AMENDMENT: `surrender for amendment requested by ${d.actor}`,
        SURRENDERED: `surrender accepted by the carrier ${d.actor}`,
        SURRENDER_REJECTED: `surrender rejected by the carrier ${d.actor}; control back to ${to}`,
        VOIDED: `voided by the carrier ${d.actor}`,
      }[e.event];
      return (words || `${e.event} by ${d.actor}${to ? ' to ' + to : ''}`) + reason;
    }
    if (e.source === 'documents') {
      const status = d.status && e.event !== 'issued' ? ` — now ${d.status}` : '';
      if (e.event === 'utilised') {
        return `utilised by ${d.claimant_org || by}${d.jurisdiction ? ' in ' + d.jurisdiction : ''}` +
          `${d.reference ? ', reference ' + d.reference : ''}${status}`;
      }
      return `${e.event.replace(/_/g, ' ')}${by ? ' by ' + by : ''}${reason}${status}`;
    }
    if (e.source === 'dataflow') {
      return `${e.event} ${d.from_jurisdiction || ''}${d.to_jurisdiction ? ' → ' + d.to_jurisdiction : ''}` +
        `${d.recipient ? ' to ' + d.recipient : ''}${by ? ' by ' + by : ''}`.replace(/\s+/g, ' ');
    }
    if (e.source === 'trade') return `deal: ${String(e.event).replace(/_/g, ' ')}${d.deal_id ? ' ' + d.deal_id : ''}${by ? ' by ' + by : ''}${reason}`;
    return `${e.event}${by ? ' by ' + by : ''}`;
  }

  const LIVE_TITLE = ['ISSUED', 'PENDING_SURRENDER_FOR_DELIVERY', 'PENDING_SURRENDER_FOR_AMENDMENT'];
  const titleText = (title) => `eBL ${title.status}: holder ${title.holder}, owner ${title.owner || '(none named)'}, carrier ${title.carrier}` +
    (LIVE_TITLE.includes(title.status) ? '' : ' (no live title)');

  // The endorsement chain as a timeline: who held and owned the record after each link.
  function eblTimeline(chain) {
    const list = el('ol', { class: 'timeline', id: 'ebl-chain' });
    for (const l of chain || []) {
      const words = inWords({ source: 'ebl', event: l.action, detail: l });
      list.append(el('li', { 'data-action': l.action },
        el('div', { class: 'what' }, words),
        el('div', { class: 'muted' }, `${time(l.at_ms)} · block `, link(`#/block/${l.height}`, String(l.height)),
          ` · holder after: ${l.recipient || '—'} · owner after: ${l.owner || '(to order / blank)'}`)));
    }
    return list;
  }

  async function docView(docId) {
    const q = await query('documents', 'history', { doc_id: docId });
    const h = q.result;
    const rows = (h.timeline || []).map((e) => {
      const d = e.detail && typeof e.detail === 'object' ? e.detail : {};
      return row(
        time(e.at_ms),
        e.source,
        e.event,
        e.height ? link(`#/block/${e.height}`, String(e.height)) : '',
        e.tx_id ? link(`#/tx/${e.tx_id}`, short(e.tx_id), 'mono') : '',
        signerView(e.signer, d.by || d.member),
        el('div', {}, el('span', { class: 'words' }, inWords(e)), raw(e.detail)),
      );
    });
    const record = await queryOrNull('documents', 'document', { doc_id: docId });
    // A transferable record's title: its eBL's state, holder, owner and endorsement chain (a
    // surrendered or void bill is no live title).
    const t = await queryOrNull('ebl', 'title', { doc_id: docId });
    const title = t ? t.title : null;
    const chain = title ? await queryOrNull('ebl', 'chain', { doc_id: docId }) : null;
    const live = title && LIVE_TITLE.includes(title.status);
    const issuedBy = (h.timeline || []).find((e) => e.source === 'documents' && e.event === 'issued');
    const rowsOf = [
      ['status', el('span', { id: 'doc-status', class: h.status === 'ACTIVE' ? 'ok' : 'failed' }, h.status)],
      ['type', record ? String(record.type).replace(/_/g, ' ') : ''],
      ['doc hash', record ? copyable(record.doc_hash, 'doc-hash', 'document hash') : ''],
      ['issuer', record ? record.issuer_org : ''],
      ['signed by', issuedBy ? signerView(issuedBy.signer, issuedBy.detail && issuedBy.detail.by) : ''],
      ['anchored', record && record.anchored_at_ms ? `${time(record.anchored_at_ms)} (proof of existence; claimed signing time ${time(record.issued_at_ms)})` : ''],
    ];
    if (title) {
      rowsOf.push(['title', el('span', { id: 'doc-title', class: live ? 'ok' : 'failed' }, titleText(title))]);
    }
    rowsOf.push(['verify', link(`#/verify/${enc(h.doc_id)}${record ? '?hash=' + record.doc_hash : ''}`, 'verify a copy of this document')]);
    if (record) {
      // The verification link as a QR code (GET /v1/docs/{id}/qr.svg), for the paper copy.
      rowsOf.push(['QR code', el('img', { class: 'qr', id: 'doc-qr', src: `/v1/docs/${enc(h.doc_id)}/qr.svg`,
        alt: `QR code of the verification link of ${h.doc_id}`, width: '160', height: '160' })]);
    }
    // The record's other fields, as a table; the whole record raw on demand.
    const shown = new Set(['doc_id', 'status', 'type', 'doc_hash', 'issuer_org', 'anchored_at_ms', 'issued_at_ms',
      'history', 'signature', 'signer_cert', 'signer_key', 'field_hashes']);
    const rest = record ? Object.entries(record).filter(([k]) => !shown.has(k)) : [];
    const parts = [
      el('h2', {}, 'Document ', el('span', { id: 'doc-id', class: 'wrap' }, h.doc_id)),
      fields(rowsOf, 'doc-summary'),
    ];
    if (title) {
      parts.push(el('h3', {}, 'Title (eBL)'),
        fields([['state', title.status], ['holder', title.holder], ['owner', title.owner || '(to order / blank)'], ['carrier', title.carrier]], 'ebl-summary'),
        el('h3', {}, 'Endorsement chain'), eblTimeline(chain ? chain.chain : []));
    }
    if (record) {
      parts.push(el('h3', {}, 'Record'), readable(Object.fromEntries(rest)), raw(record, 'raw record (JSON)'));
    }
    parts.push(el('h3', {}, 'History'),
      table(['time', 'source', 'event', 'height', 'tx', 'signed by', 'what happened'], rows, 'doc-timeline'));
    show(...parts);
  }

  // ---- verification in the page ----
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  function subtle() {
    if (!window.crypto || !crypto.subtle) {
      throw new Error('this browser offers no WebCrypto here (it needs https, or http on localhost)');
    }
    return crypto.subtle;
  }
  const sha256 = async (bytes) => new Uint8Array(await subtle().digest('SHA-256', bytes));
  const utf8 = (s) => new TextEncoder().encode(s);
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  function fromHex(s) {
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  // nlohmann's dump(): compact, object keys sorted (by code unit, as std::map sorts the UTF-8
  // bytes for ASCII keys).
  function canonicalJson(v) {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
    const keys = Object.keys(v).sort((a, b) => {
      const x = utf8(a);
      const y = utf8(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    });
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(v[k])).join(',') + '}';
  }
  // docs/formats.md "Selective disclosure", as contracts/src/disclosure.cpp computes it.
  const valueCommitment = (salt, value) => sha256(utf8(`${salt}:${canonicalJson(value)}`));
  async function fieldHash(name, commitment) {
    const n = utf8(name);
    const len = new Uint8Array([n.length >>> 24, (n.length >>> 16) & 255, (n.length >>> 8) & 255, n.length & 255]);
    return sha256(concat(utf8('silk.field.v2'), new Uint8Array([0]), len, n, commitment));
  }
  async function merkleRoot(leaves) { // RFC 6962 over leaf hashes
    if (leaves.length === 0) return sha256(new Uint8Array(0));
    if (leaves.length === 1) return leaves[0];
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    const [l, r] = await Promise.all([merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k))]);
    return sha256(concat(new Uint8Array([1]), l, r));
  }
  function compareBytes(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  }
  // A disclosable copy ({"fields": {name: {salt, value}}, "hidden": {name: commitment}}): its
  // root, and what it discloses and hides. Null when the JSON is not one; throws when it is one
  // but malformed.
  async function disclosure(j) {
    if (!j || typeof j !== 'object' || Array.isArray(j) || !j.fields || typeof j.fields !== 'object' || Array.isArray(j.fields)) return null;
    const saltOk = (s) => typeof s === 'string' && /^[0-9a-f]*$/.test(s) && s.length >= 32 && s.length <= 128 && s.length % 2 === 0;
    const hidden = j.hidden && typeof j.hidden === 'object' ? j.hidden : {};
    const hashes = [];
    const disclosed = [];
    for (const [name, f] of Object.entries(j.fields)) {
      if (!f || typeof f !== 'object' || !('value' in f) || !saltOk(f.salt)) {
        throw new Error(`field ${name}: expected {"salt": 32-128 lower-case hex, "value": any}`);
      }
      hashes.push(await fieldHash(name, await valueCommitment(f.salt, f.value)));
      disclosed.push([name, f.value]);
    }
    for (const [name, c] of Object.entries(hidden)) {
      if (typeof c !== 'string' || !isHex64(c)) throw new Error(`hidden field ${name}: expected a 64-hex value commitment`);
      if (name in j.fields) throw new Error(`hidden field ${name} is also disclosed`);
      hashes.push(await fieldHash(name, fromHex(c)));
    }
    hashes.sort(compareBytes);
    const leaves = await Promise.all(hashes.map((h) => sha256(concat(new Uint8Array([0]), h))));
    return { root: hex(await merkleRoot(leaves)), disclosed, hidden: Object.keys(hidden).sort() };
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
  function rememberedJurisdiction() {
    try {
      return localStorage.getItem(JURISDICTION_KEY) || '';
    } catch (e) {
      return '';
    }
  }
  function rememberJurisdiction(j) {
    try {
      if (j) localStorage.setItem(JURISDICTION_KEY, j);
    } catch (e) {
      // storage off: the choice lasts for this page only
    }
  }

  // The verdict; `prefix` keeps the ids apart when a page shows two (the link's and the file's).
  function verdictView(v, prefix) {
    const p = prefix || '';
    const frags = table(['fragment', 'result', 'reason'],
      v.fragments.map((x) => {
        const r = row(x.name, el('span', { class: x.result }, x.result), el('span', { class: 'wrap' }, x.reason));
        r.dataset.fragment = x.name;
        return r;
      }), `${p}verdict-fragments`);
    const about = [['signed', `${time(v.poe_ms)} (proof of existence: the anchoring block; claimed ${time(v.claimed_signing_ms)})`]];
    if (v.title) {
      about.push(['title', el('span', { id: `${p}verdict-title`, class: LIVE_TITLE.includes(v.title.status) ? 'ok' : 'failed' }, titleText(v.title))]);
    }
    return el('section', { id: `${p}verdict`, 'aria-labelledby': `${p}verdict-heading` },
      el('h3', { id: `${p}verdict-heading`, class: 'verdict-overall', tabindex: '-1' }, 'Document ', link(`#/doc/${enc(v.doc_id)}`, v.doc_id),
        ` as ${v.verifying_jurisdiction} sees it: `, el('span', { id: `${p}verdict-overall`, class: v.overall }, v.overall)),
      fields(about), frags);
  }

  async function verifyView(presetDocId, params) {
    const file = el('input', { id: 'verify-file', type: 'file', 'aria-describedby': 'verify-privacy' });
    const docId = el('input', { id: 'verify-doc-id', type: 'text', placeholder: 'optional: found by the file hash', autocomplete: 'off' });
    if (presetDocId) docId.value = presetDocId;
    const jur = el('select', { id: 'verify-jurisdiction', required: 'required' });
    const button = el('button', { id: 'verify-submit', type: 'submit' }, 'Verify');
    const drop = el('label', { id: 'drop', for: 'verify-file' },
      el('strong', {}, 'Drop your copy here'), el('span', {}, ' or choose the file: '), file);
    const status = el('div', { id: 'verify-status' });
    const result = el('div', { id: 'verify-result', 'aria-live': 'polite' });
    const form = el('form', { class: 'verify', id: 'verify-form' },
      el('label', { for: 'verify-jurisdiction' }, 'Your jurisdiction (the verifying one)'), jur,
      el('label', { for: 'verify-doc-id' }, 'Document id'), docId,
      drop,
      button);
    show(
      el('h2', {}, presetDocId ? `Verify document ${presetDocId}` : 'Verify a document'),
      el('p', { class: 'muted', id: 'verify-privacy' }, 'The file is read in this browser only (SHA-256 and disclosure roots by WebCrypto); only its hash is sent to the node.'),
      status,
      form,
      result,
    );
    // The verifier's own jurisdiction: from the link (?as=SG), else remembered; never guessed.
    const known = await jurisdictions();
    const wanted = (params.get('as') || '').toUpperCase() || rememberedJurisdiction();
    jur.append(el('option', { value: '' }, 'choose your jurisdiction'));
    for (const j of known) jur.append(el('option', { value: j }, j));
    if (wanted && !known.includes(wanted)) jur.append(el('option', { value: wanted }, wanted));
    jur.value = wanted || '';
    if (params.get('as')) rememberJurisdiction(wanted);
    const linkHash = (params.get('hash') || '').toLowerCase();

    // Opened from a link: the verdict for the chosen jurisdiction at once, and the invitation to
    // check one's own copy.
    const statusVerdict = async () => {
      const id = docId.value.trim();
      if (!id) return;
      if (!jur.value) {
        status.replaceChildren(notice('Choose your jurisdiction to see the verdict for this document.'));
        return;
      }
      try {
        const v = (await api('/v1/verify', { doc_id: id, jurisdiction: jur.value })).result;
        const parts = [verdictView(v, 'link-')];
        if (linkHash) {
          const rec = await queryOrNull('documents', 'document', { doc_id: id });
          const same = rec && rec.doc_hash === linkHash;
          parts.push(notice(same ? `The link carries the anchored document hash ${linkHash}.`
            : `The link's document hash ${linkHash} is not the anchored one${rec ? ' ' + rec.doc_hash : ''}.`, !same));
        }
        parts.push(notice('Drop your copy of the document below to check that it is the one issued (integrity).'));
        status.replaceChildren(...parts);
      } catch (e) {
        status.replaceChildren(notice(`cannot verify ${id}: ${e.message}`, true));
      }
    };

    let chosen = null;
    const run = async () => {
      const f = chosen || (file.files && file.files[0]);
      if (!f) {
        result.replaceChildren(notice('choose a file first', true));
        return;
      }
      result.replaceChildren(notice(`reading ${f.name}…`));
      try {
        const bytes = await f.arrayBuffer();
        const plain = hex(await sha256(bytes));
        let disc = null;
        if (f.size <= 16 * 1024 * 1024) {
          let j = null;
          try {
            j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
          } catch (e) {
            j = null;
          }
          disc = await disclosure(j);
        }
        const presented = disc ? disc.root : plain;
        const out = [fields([['file', f.name], ['size', `${f.size} bytes`],
          ['sha256', copyable(plain, 'verify-hash', 'file hash')],
          disc ? ['disclosure root', copyable(disc.root, 'verify-root', 'disclosure root')] : null].filter(Boolean))];
        if (disc) {
          const shown = table(['field', 'value'], disc.disclosed.map(([k, v]) => row(k, readable(v, 1))), 'verify-disclosed');
          out.push(el('section', { id: 'verify-disclosure' },
            el('h3', {}, `Disclosable copy: ${disc.disclosed.length} field(s) disclosed, ${disc.hidden.length} hidden`),
            el('p', { class: 'muted' }, 'The salted field hashes and their root were recomputed in this browser; the root is what the document hash must be.'),
            shown,
            el('p', { id: 'verify-hidden' }, disc.hidden.length ? `Hidden by the holder (their hashes are kept): ${disc.hidden.join(', ')}` : 'No field is hidden.')));
        }
        // The notary contract anchors plain digests too.
        try {
          const n = await api(`/v1/state?key=${enc('notary/' + plain)}`);
          out.push(notice(`notary: this exact file was anchored (${JSON.stringify(n.value).slice(0, 200)})`));
        } catch (e) {
          if (e.status !== 404) throw e;
        }
        let id = docId.value.trim();
        if (!id) {
          try {
            const s = await api(`/v1/state?key=${enc('documents/hash/' + presented)}`);
            id = typeof s.value === 'string' ? s.value : '';
          } catch (e) {
            if (e.status !== 404) throw e;
          }
          if (!id) {
            out.push(notice(`no document anchors ${presented}: not issued on this chain, or the content was changed`, true));
            out[out.length - 1].id = 'verify-not-found';
            result.replaceChildren(...out);
            return;
          }
        }
        if (!jur.value) throw new Error('choose your jurisdiction first');
        const v = (await api('/v1/verify', { doc_id: id, jurisdiction: jur.value, presented_hash: presented })).result;
        out.unshift(verdictView(v));
        result.replaceChildren(...out);
        // Keyboard and screen-reader users land on the verdict.
        const heading = result.querySelector('#verdict-heading');
        if (heading) heading.focus();
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
    jur.addEventListener('change', () => {
      rememberJurisdiction(jur.value);
      statusVerdict();
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
    await statusVerdict();
    form.dataset.ready = '1';
  }

  // ---- routing: #/, #/block/H, #/tx/ID, #/doc/ID, #/verify[/DOC_ID][?as=CC&hash=HEX] ----
  async function route() {
    if (stream) {
      const s = stream;
      stream = null;
      s.close();
    }
    const spec = location.hash.replace(/^#\/?/, '');
    const q = spec.indexOf('?');
    const params = new URLSearchParams(location.search);
    if (q >= 0) for (const [k, v] of new URLSearchParams(spec.slice(q + 1))) params.set(k, v);
    const parts = (q >= 0 ? spec.slice(0, q) : spec).split('/').map((p) => decodeURIComponent(p));
    try {
      if (parts[0] === 'block' && parts[1]) await blockView(parts[1]);
      else if (parts[0] === 'tx' && parts[1]) await txView(parts[1]);
      else if (parts[0] === 'doc' && parts[1]) await docView(parts.slice(1).join('/'));
      else if (parts[0] === 'verify') await verifyView(parts.slice(1).join('/'), params);
      else await latestView();
    } catch (e) {
      show(notice(e.status === 404 ? `not found: ${e.message}` : `error: ${e.message}`, true));
    }
  }

  document.getElementById('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = document.getElementById('search-input').value.trim();
    if (!s) return;
    if (/^\d+$/.test(s)) location.hash = `#/block/${s}`;
    else if (isHex64(s.toLowerCase())) location.hash = `#/tx/${s.toLowerCase()}`;
    else location.hash = `#/doc/${enc(s)}`;
  });
  window.addEventListener('hashchange', route);
  route();
})();
