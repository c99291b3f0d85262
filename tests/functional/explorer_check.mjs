// Drives the explorer (GET /explorer/) in headless Chromium through playwright-core and checks
// what the page shows. Run by test_explorer.py; everything it needs comes in the environment:
//   EXPLORER_URL   http://127.0.0.1:PORT
//   PLAYWRIGHT_DIR the folder whose node_modules holds playwright-core (tools/setup.sh)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   TX_ID, DOC_ID, DOC_STATUS, JURISDICTION, GOOD_FILE, BAD_FILE, MIN_HEIGHT, EBL_DOC_ID
// Prints one line per check; exits non-zero on the first failure.
import { createRequire } from 'node:module';
import path from 'node:path';

const env = process.env;
const require = createRequire(path.join(env.PLAYWRIGHT_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const base = env.EXPLORER_URL;
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
  const page = await browser.newPage();
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
  const signers = await page.$$eval('#doc-timeline tbody tr', (rows) => rows.map((r) => r.children[5].textContent));
  check(signers.length > 0 && signers.every((s) => s.startsWith('CN=')), `the timeline names its signers (${signers.join('; ')})`);

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

  check(problems.length === 0, `no page errors (${problems.join('; ')})`);
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
