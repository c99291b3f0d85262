// Drives the explorer (GET /explorer/) in headless Chromium through playwright-core and checks
// what the page shows. Run by test_explorer.py; everything it needs comes in the environment:
//   EXPLORER_URL   https://127.0.0.1:PORT: the node's RPC, for consortium members
//   CLIENT_CERT, CLIENT_KEY  a member's certificate and clear key (PEM) the browser shows it
//   PUBLIC_URL     https://127.0.0.1:PORT: the public verification listener, for the verifier's
//                  checks (a visitor without a certificate)
//   PLAYWRIGHT_DIR the folder whose node_modules holds playwright-core (tools/setup.sh)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   TX_ID, DOC_ID, DOC_STATUS, JURISDICTION, GOOD_FILE, BAD_FILE, MIN_HEIGHT, EBL_DOC_ID
//   SPEC           JSON: the verifier's checks (see test_explorer.py): link, files, doc ids,
//                  and OUT_DIR, where the screenshots go
// Prints one line per check; exits non-zero on the first failure.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = process.env;
const require = createRequire(path.join(env.PLAYWRIGHT_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const base = env.EXPLORER_URL;
const pub = env.PUBLIC_URL || base;
// The node's certificates are the consortium's own (the RPC's) and self-signed (the public
// listener's): the browser is told not to judge them; silk and the Python test check them.
const memberOpts = {
  ignoreHTTPSErrors: true,
  ...(env.CLIENT_CERT ? { clientCertificates: [{ origin: new URL(base).origin, certPath: env.CLIENT_CERT, keyPath: env.CLIENT_KEY }] } : {}),
};
const visitorOpts = { ignoreHTTPSErrors: true };
const spec = JSON.parse(env.SPEC || '{}');
const timeout = 15000;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
  headless: true,
});
let failed = false;
try {
  const page = await browser.newPage(memberOpts);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`); // e.g. markup from the chain that ran
    d.dismiss();
  });

  // Latest blocks: the replayed ones, then a live one.
  const res = await page.goto(`${base}/explorer/`);
  check(res.status() === 200, 'GET /explorer/ answers 200');
  const csp = res.headers()['content-security-policy'] || '';
  check(csp.includes("default-src 'self'") && csp.includes("connect-src 'self' ws: wss:"), `CSP header: ${csp}`);
  await page.waitForSelector('#blocks-body tr', { timeout });
  await page.waitForFunction(() => document.getElementById('live-state')?.textContent.includes('live'), null, { timeout });
  const minHeight = Number(env.MIN_HEIGHT);
  await page.waitForFunction((h) => [...document.querySelectorAll('#blocks-body tr')].some((tr) => Number(tr.dataset.height) >= h),
    minHeight, { timeout });
  const top = Number(await page.locator('#blocks-body tr').first().getAttribute('data-height'));
  check(top >= minHeight, `latest blocks list the tip (${top} >= ${minHeight})`);

  // A new block appears live, without reloading.
  const before = top;
  console.log('waiting for a live block (the test submits one now)');
  console.log('READY_FOR_LIVE_BLOCK');
  await page.waitForFunction((h) => Number(document.querySelector('#blocks-body tr')?.dataset.height) > h, before, { timeout: 30000 });
  const after = Number(await page.locator('#blocks-body tr').first().getAttribute('data-height'));
  check(after > before, `a live block appeared on top (${after} > ${before})`);
  const heights = await page.$$eval('#blocks-body tr', (rows) => rows.map((r) => Number(r.dataset.height)));
  check(new Set(heights).size === heights.length, 'no block is listed twice');

  // The tx with its receipt.
  await page.goto(`${base}/explorer/#/tx/${env.TX_ID}`);
  await page.waitForSelector('#tx-id', { timeout });
  check((await page.textContent('#tx-id')) === env.TX_ID, 'the tx page shows the tx id');
  check((await page.textContent('#tx-call')) === 'documents.issue', 'the tx page shows documents.issue');
  check((await page.textContent('#receipt-result')) === 'ok', 'the receipt shows ok');
  const events = await page.$$eval('#tx-events tbody tr', (rows) => rows.map((r) => r.children[1].textContent));
  check(events.length > 0, `the receipt lists its events (${events.join(', ')})`);

  // The document: status and history timeline, reached from the tx page.
  await page.click(`a[href="#/doc/${encodeURIComponent(env.DOC_ID)}"]`);
  await page.waitForSelector('#doc-timeline', { timeout });
  check((await page.textContent('#doc-id')) === env.DOC_ID, 'the document page shows its id');
  check((await page.textContent('#doc-status')) === env.DOC_STATUS, `the document status is ${env.DOC_STATUS}`);
  const timeline = await page.$$eval('#doc-timeline tbody tr', (rows) => rows.map((r) => [r.children[1].textContent, r.children[2].textContent]));
  check(timeline.some(([src, ev]) => src === 'documents' && ev === 'issued'), `the timeline shows the issue (${JSON.stringify(timeline)})`);

  // A surrendered eBL: the document page shows its title as spent.
  await page.goto(`${base}/explorer/#/doc/${encodeURIComponent(env.EBL_DOC_ID)}`);
  await page.waitForSelector('#doc-title', { timeout });
  const title = await page.textContent('#doc-title');
  check(title.includes('SURRENDERED_FOR_DELIVERY') && title.includes('holder org1') && title.includes('no live title'),
    `the eBL page shows its spent title (${title})`);
  const signers = await page.$$eval('#doc-timeline tbody tr', (rows) => rows.map((r) => [
    r.children[5].querySelector('.who')?.textContent || '', r.children[5].querySelector('.signer')?.dataset.subject || '']));
  check(signers.length > 0 && signers.every(([who, subject]) => who.startsWith('org1 · ') && who.endsWith(' · CN') && subject.startsWith('CN=')),
    `the timeline names its signers by organisation, role and jurisdiction (${JSON.stringify(signers)})`);
  const words = await page.$$eval('#doc-timeline tbody tr .words', (ws) => ws.map((w) => w.textContent));
  check(words.includes('eBL issued by org1 to org1') && words.includes('surrender accepted by the carrier org1'),
    `the history is told in words (${JSON.stringify(words)})`);
  const links = await page.$$eval('#ebl-chain li', (ls) => ls.map((l) => l.dataset.action));
  check(JSON.stringify(links) === JSON.stringify(['ISSUE', 'SURRENDER_FOR_DELIVERY', 'SURRENDERED']),
    `the endorsement chain is a timeline (${JSON.stringify(links)})`);

  // Verify a file: hashed in the browser, verdict per fragment.
  await page.goto(`${base}/explorer/#/verify`);
  await page.waitForSelector(`#verify-jurisdiction option[value="${env.JURISDICTION}"]`, { state: 'attached', timeout });
  await page.selectOption('#verify-jurisdiction', env.JURISDICTION);
  await page.setInputFiles('#verify-file', env.GOOD_FILE);
  await page.waitForSelector('#verdict-overall', { timeout });
  check((await page.textContent('#verdict-overall')) === 'valid', 'the issued file verifies: overall valid');
  const frags = await page.$$eval('#verdict-fragments tbody tr', (rows) => rows.map((r) => [r.dataset.fragment, r.children[1].textContent]));
  check(frags.length === 5 && frags.every(([, r]) => r === 'valid'), `five valid fragments (${JSON.stringify(frags)})`);
  const notary = await page.textContent('#verify-result');
  check(notary.includes('notary: this exact file was anchored'), 'the notary anchor of the same file is shown');

  // A different file against the same document: integrity fails and says why.
  await page.goto(`${base}/explorer/#/verify/${encodeURIComponent(env.DOC_ID)}`);
  await page.waitForSelector(`#verify-jurisdiction option[value="${env.JURISDICTION}"]`, { state: 'attached', timeout });
  await page.selectOption('#verify-jurisdiction', env.JURISDICTION);
  await page.setInputFiles('#verify-file', env.BAD_FILE);
  await page.waitForSelector('#verdict-overall', { timeout });
  check((await page.textContent('#verdict-overall')) === 'invalid', 'a different file: overall invalid');
  const integrity = page.locator('#verdict-fragments tr[data-fragment="integrity"]');
  check((await integrity.locator('td').nth(1).textContent()) === 'invalid', 'a different file: integrity invalid');
  const reason = await integrity.locator('td').nth(2).textContent();
  const hash = await page.textContent('#verify-hash');
  check(reason.includes('not the anchored doc_hash') && reason.includes(hash.slice(0, 8)), `the mismatch is explained: ${reason}`);

  // The same different file without a document id: nothing anchors it.
  await page.goto(`${base}/explorer/#/verify`);
  await page.waitForSelector('#verify-file', { timeout });
  await page.setInputFiles('#verify-file', env.BAD_FILE);
  await page.waitForSelector('#verify-not-found', { timeout });
  check((await page.textContent('#verify-not-found')).includes('no document anchors'), 'an unknown file is reported as not anchored');

  await verifierChecks(browser, problems);
  check(problems.length === 0, `no page errors (${problems.join('; ')})`);
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

// ---- the verifier: links, disclosure, title, recognition, phone-sized pages ----

// Drops `file` on the drop zone the way a browser does (a DataTransfer holding a File).
async function dropFile(page, file) {
  const b64 = fs.readFileSync(file).toString('base64');
  const dt = await page.evaluateHandle(({ b64, name }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const t = new DataTransfer();
    t.items.add(new File([bytes], name));
    return t;
  }, { b64, name: path.basename(file) });
  await page.dispatchEvent('#drop', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
}

async function fragments(page, prefix) {
  return page.$$eval(`#${prefix || ''}verdict-fragments tbody tr`, (rows) => Object.fromEntries(rows.map((r) => [
    r.dataset.fragment, { result: r.children[1].textContent, reason: r.children[2].textContent }])));
}

// Opens the verification link, drops `file` and returns the verdict shown for it.
async function verifyByDrop(page, url, file) {
  await page.goto('about:blank'); // a fresh page load, not a same-document hash change
  await page.goto(url);
  await page.waitForSelector('#verify-form[data-ready]', { timeout });
  await dropFile(page, file);
  await page.waitForSelector('#verdict-overall, #verify-not-found, #verify-result .notice.bad', { timeout });
  const overall = (await page.$('#verdict-overall')) ? await page.textContent('#verdict-overall') : null;
  return { overall, frags: overall ? await fragments(page) : {}, text: await page.textContent('#verify-result') };
}

async function verifierChecks(browser, problems) {
  const page = await browser.newPage(visitorOpts);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  // The public listener's front page is the verify page (browsing is refused there).
  await page.goto(`${pub}/`);
  await page.waitForSelector('#verify-form[data-ready]', { timeout });
  check(page.url().includes('#/verify'), `the public listener's front page is the verify page (${page.url()})`);

  // The link from `silk doc link`: the verdict for SG at once, SG chosen and remembered.
  await page.goto('about:blank');
  await page.goto(spec.link);
  await page.waitForSelector('#link-verdict-overall', { timeout });
  check((await page.inputValue('#verify-jurisdiction')) === 'SG', 'the link chooses the jurisdiction (?as=SG)');
  check((await page.textContent('#link-verdict-overall')) === 'valid', 'the link opens on the verdict for SG: valid');
  check((await page.textContent('#verify-status')).includes('Drop your copy'), 'the link invites the visitor to drop their copy');
  check((await page.textContent('#verify-status')).includes('The link carries the anchored document hash'), 'the link\'s hash is the anchored one');
  await page.goto('about:blank');
  await page.goto(`${pub}/explorer/#/verify`);
  await page.waitForSelector('#verify-form[data-ready]', { timeout });
  check((await page.inputValue('#verify-jurisdiction')) === 'SG', 'the jurisdiction is remembered without the link');
  const fresh = await browser.newPage(visitorOpts);
  await fresh.goto(`${pub}/explorer/#/verify`);
  await fresh.waitForSelector('#verify-form[data-ready]', { timeout });
  check((await fresh.inputValue('#verify-jurisdiction')) === '', 'a new visitor is asked, not given the first jurisdiction');
  await fresh.close();

  // The plain copy, dropped.
  let v = await verifyByDrop(page, spec.link, spec.plain_file);
  check(v.overall === 'valid' && Object.values(v.frags).length === 5 && Object.values(v.frags).every((f) => f.result === 'valid'),
    `a dropped plain copy: valid, five valid fragments (${JSON.stringify(v.frags)})`);

  // A disclosable copy with a field hidden: the root recomputed in the page.
  v = await verifyByDrop(page, `${pub}/explorer/#/verify?as=SG`, spec.disclosed_file);
  check(v.overall === 'valid', `a valid disclosable copy verifies: ${v.overall} ${JSON.stringify(v.frags)}`);
  check(v.frags.integrity.reason.includes(spec.disclosed_root), `integrity names the disclosure root (${v.frags.integrity.reason})`);
  check((await page.textContent('#verify-root')) === spec.disclosed_root, 'the page computed the same disclosure root as the CLI');
  check((await page.textContent('#verify-hidden')).includes(spec.hidden_field), `the hidden field is listed as hidden (${await page.textContent('#verify-hidden')})`);
  const disclosed = await page.$$eval('#verify-disclosed tbody tr', (rows) => rows.map((r) => r.children[0].textContent));
  check(!disclosed.includes(spec.hidden_field) && disclosed.length > 0, `the disclosed fields are shown (${disclosed.join(', ')})`);

  // The same copy with a disclosed value changed: integrity invalid.
  v = await verifyByDrop(page, `${pub}/explorer/#/verify/${encodeURIComponent(spec.disclosed_doc_id)}?as=SG`, spec.tampered_file);
  check(v.overall === 'invalid' && v.frags.integrity.result === 'invalid' && v.frags.integrity.reason.includes('not the anchored doc_hash'),
    `a tampered disclosable copy: integrity invalid (${JSON.stringify(v.frags.integrity)})`);

  // A surrendered eBL: its status fragment and title say it is spent.
  v = await verifyByDrop(page, `${pub}/explorer/#/verify/${encodeURIComponent(spec.ebl_doc_id)}?as=SG`, spec.ebl_file);
  const title = await page.textContent('#verdict-title');
  check(title.includes('SURRENDERED_FOR_DELIVERY') && title.includes('no live title'), `the surrendered eBL's title (${title})`);
  check(v.frags.integrity.result === 'valid' && v.frags.status.result === 'invalid' && /surrender/i.test(v.frags.status.reason),
    `a surrendered eBL: status invalid, saying why (${JSON.stringify(v.frags.status)})`);

  // A certificate issued under a suspended MRA: not recognised in SG, and why.
  v = await verifyByDrop(page, `${pub}/explorer/#/verify?as=SG`, spec.suspended_file);
  check(v.overall === 'invalid' && v.frags.integrity.result === 'valid' && v.frags.recognition.result === 'invalid'
    && /suspend/i.test(v.frags.recognition.reason), `under a suspended MRA: recognition invalid (${JSON.stringify(v.frags.recognition)})`);

  // Keyboard: the verify flow is reachable by Tab alone.
  await page.goto('about:blank');
  await page.goto(`${pub}/explorer/#/verify/${encodeURIComponent(env.DOC_ID)}?as=SG`);
  await page.waitForSelector('#link-verdict-overall', { timeout });
  const reached = new Set();
  for (let i = 0; i < 40 && reached.size < 4; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id || '');
    if (['verify-jurisdiction', 'verify-doc-id', 'verify-file', 'verify-submit'].includes(id)) reached.add(id);
  }
  check(reached.size === 4, `Tab reaches the jurisdiction, the doc id, the file and Verify (${[...reached].join(', ')})`);

  // axe-core on the verify page with a verdict shown: no serious or critical violation.
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await verifyByDrop(page, spec.link, spec.plain_file);
  await page.evaluate(axeSource); // not a <script>: the page's CSP rightly refuses inline ones
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((x) => ({ id: x.id, impact: x.impact, nodes: x.nodes.length }));
  });
  const bad = axe.filter((x) => x.impact === 'serious' || x.impact === 'critical');
  check(bad.length === 0, `axe-core: no serious or critical violation on the verify page (${JSON.stringify(axe)})`);

  // Every page at a phone's width and a desk's: no sideways scrolling; a screenshot of each.
  const visitorPage = page;
  fs.mkdirSync(spec.out_dir, { recursive: true });
  const pages = [
    ['home', `${base}/explorer/#/`, '#blocks-body tr'],
    ['block', `${base}/explorer/#/block/${spec.block_height}`, '#block-txs'],
    ['tx', `${base}/explorer/#/tx/${env.TX_ID}`, '#tx-events'],
    ['document', `${base}/explorer/#/doc/${encodeURIComponent(env.DOC_ID)}`, '#doc-timeline'],
    ['ebl', `${base}/explorer/#/doc/${encodeURIComponent(spec.ebl_doc_id)}`, '#ebl-chain'],
    ['verify', `${pub}/explorer/#/verify/${encodeURIComponent(spec.disclosed_doc_id)}?as=SG`, '#verify-status #link-verdict-overall'],
  ];
  const member = await browser.newPage(memberOpts);
  for (const [w, h] of [[375, 812], [1280, 800]]) {
    await page.setViewportSize({ width: w, height: h });
    await member.setViewportSize({ width: w, height: h });
    for (const [name, url, ready] of pages) {
      const page = name === 'verify' ? visitorPage : member;
      await page.goto('about:blank');
      await page.goto(url);
      await page.waitForSelector(ready, { timeout });
      if (name === 'verify') {
        await dropFile(page, spec.disclosed_file);
        await page.waitForSelector('#verdict-overall', { timeout });
      }
      if (name === 'document') await page.waitForFunction(() => document.getElementById('doc-qr')?.complete, null, { timeout });
      const [sw, iw, wide] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth,
        [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)]);
      check(sw <= iw, `${name} at ${w}x${h}: no sideways scrolling (scrollWidth ${sw} <= ${iw}${wide.length ? '; too wide: ' + wide.join(', ') : ''})`);
      await page.screenshot({ path: path.join(spec.out_dir, `${name}-${w}x${h}.png`), fullPage: true });
    }
  }
  console.log(`screenshots in ${spec.out_dir}`);
  await page.close();
}
