// Browser test: Swagger UI of the reference apps really authenticates against the crate.
//
// For each app this starts the example binary (ADDR=127.0.0.1:0, a random JWT_SECRET), drives
// its Swagger UI in Debian's chromium through playwright-core, and checks the live responses:
//
//   oauth2_password_bearer  register a user (JSON POST /login from node), then in the browser:
//                           Execute GET /some-path -> 401; Authorize with the OAuth2 password
//                           flow (username = email, any password); Execute -> 200 with the user.
//   jwt_auth                get a token (JSON POST /login, `Authorization` response header),
//                           then in the browser: Execute -> 401; Authorize with the bearer
//                           value; Execute -> 200 with the user.
//   oauth2_scopes           (a test-only app: an oauth2 password flow with scoped operations)
//                           Authorize's dialog lists every scope of the document with its
//                           description as a checkbox; authorize with `reports:read` only (the
//                           token request asks for exactly that scope); Execute GET /reports
//                           -> 200, DELETE /reports (also needs reports:write) -> 403.
//   session_auth            (SESSION_COOKIE_SECURE=false: plain HTTP) in the browser: Execute
//                           GET /user -> 401 `Session` challenge; Try it out on POST /signup
//                           with a new user -> 201; Execute GET /user -> 200 with that user
//                           (the browser carries the session cookie; Authorize has no part).
//
// Screenshots after each successful call: target/browser/<app>.png.
// Usage (from anywhere): node .ci/browser/swagger.mjs   (run.sh builds the examples first)

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXAMPLES = join(ROOT, 'target', 'debug', 'examples');
const SHOTS = join(ROOT, 'target', 'browser');
const CHROMIUM = '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 30_000;
// Playwright's own waits give up first, so a failure says which element it waited for.
const ACTION_TIMEOUT_MS = 25_000;
// Everything (both apps, browser start included) must finish well within this.
const TOTAL_TIMEOUT_MS = 180_000;

class Failure extends Error {}

const servers = new Set(); // running
const started = []; // every server started, for their stderr on failure
let browser;

function log(message) {
  console.log(`browser: ${message}`);
}

// Runs one named step under a deadline; a failure names the app and the step.
async function step(app, name, action) {
  log(`[${app}] ${name}`);
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Failure(`timed out after ${STEP_TIMEOUT_MS / 1000} s`)),
      STEP_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([action(), deadline]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Failure(`[${app}] ${name} -> ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

// Starts target/debug/examples/<name> on a free port; resolves with its base URL once it
// prints `<name> listening on http://...`.
function startServer(name, extraEnv = {}) {
  const binary = join(EXAMPLES, name);
  if (!existsSync(binary)) {
    throw new Failure(`${relative(ROOT, binary)} is missing; run \`cargo build --examples\``);
  }
  const env = {
    ...process.env,
    ADDR: '127.0.0.1:0',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...extraEnv,
  };
  const child = spawn(binary, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { name, child, stderr: '', exited: false };
  servers.add(server);
  started.push(server);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    server.stderr = (server.stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolveExit) => {
    child.on('exit', (code, signal) => {
      server.exited = true;
      resolveExit({ code, signal });
    });
  });
  server.exitedPromise = exited;
  return new Promise((resolveUrl, reject) => {
    child.on('error', (error) => reject(new Failure(`cannot start ${name}: ${error.message}`)));
    exited.then(({ code, signal }) =>
      reject(
        new Failure(
          `${name} exited (code ${code}, signal ${signal}) before listening; stderr:\n${server.stderr}`,
        ),
      ),
    );
    const pattern = new RegExp(`^${name} listening on (http://\\S+)`);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = pattern.exec(line);
      if (match) {
        server.url = match[1];
        resolveUrl(server);
      }
    });
  });
}

// Ctrl-C (the examples shut down gracefully on SIGINT), then SIGKILL after 5 s.
async function stopServer(server) {
  servers.delete(server);
  if (server.exited) return;
  server.child.kill('SIGINT');
  const killer = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
  await server.exitedPromise;
  clearTimeout(killer);
}

async function postJsonUser(url, user) {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  });
  const body = await response.text();
  check(response.status === 201, `POST /login answered ${response.status}: ${body}`);
  return { response, body };
}

function newUser(app) {
  const tag = randomBytes(4).toString('hex');
  return { id: randomUUID(), name: `Ada ${app}`, email: `ada.${tag}@example.com` };
}

function jwtPayload(token) {
  const part = token.split('.')[1];
  check(part, `not a JWT: ${token}`);
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function openSwagger(app, page, url) {
  await step(app, 'open /schema/swagger/', async () => {
    await page.goto(`${url}/schema/swagger/`);
    await page.locator('.btn.authorize').waitFor();
    await someOperation(page).waitFor();
  });
}

function someOperation(page) {
  return page
    .locator('.opblock.opblock-get')
    .filter({ has: page.locator('.opblock-summary-path[data-path="/some-path"]') });
}

// Expands GET /some-path and clicks "Try it out".
async function tryItOut(app, page) {
  const op = someOperation(page);
  await step(app, 'expand GET /some-path', async () => {
    await op.locator('.opblock-summary-control').click();
    await op.locator('.opblock-body').waitFor();
  });
  await step(app, 'click "Try it out"', async () => {
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.getByRole('button', { name: 'Execute' }).waitFor();
  });
}

// Clicks Execute; waits for the browser's GET /some-path and for Swagger UI to show that
// status as the live response. Returns the request's Authorization header, the shown body
// and the shown curl command.
async function execute(app, page, expectedStatus) {
  const op = someOperation(page);
  return step(app, `click "Execute" (expect ${expectedStatus})`, async () => {
    const responded = page.waitForResponse(
      (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/some-path',
    );
    await op.getByRole('button', { name: 'Execute' }).click();
    const response = await responded;
    const authorization = await response.request().headerValue('authorization');
    check(
      response.status() === expectedStatus,
      `GET /some-path answered ${response.status()} (Authorization: ${authorization ?? 'none'})`,
    );
    const live = op.locator('.live-responses-table .response');
    await live
      .locator('.response-col_status')
      .filter({ hasText: new RegExp(`^\\s*${expectedStatus}\\s*$`) })
      .waitFor();
    const body = await live.locator('.highlight-code pre').first().innerText();
    const curl = await op.locator('.curl-command pre').innerText();
    return { authorization, body, curl };
  });
}

function checkUserBody(body, user) {
  let shown;
  try {
    shown = JSON.parse(body);
  } catch {
    throw new Failure(`the response body is not JSON: ${body}`);
  }
  check(shown.email === user.email, `the response body lacks ${user.email}: ${body}`);
  check(
    shown.id === user.id && shown.name === user.name,
    `the response body is not the user ${JSON.stringify(user)}: ${body}`,
  );
}

async function checkLocked(app, page) {
  await step(app, 'GET /some-path shows the lock closed', async () => {
    await someOperation(page)
      .locator('.authorization__btn[aria-label="authorization button locked"]')
      .waitFor();
  });
}

// The dialog once a scheme is authorized: "Authorized" and a Logout button (its accessible
// name is its aria-label, "Remove authorization", hence the text match).
function authorized(dialog) {
  return dialog
    .locator('.auth-container', { has: dialog.page().locator('h6', { hasText: 'Authorized' }) })
    .locator('.auth-btn-wrapper button', { hasText: 'Logout' });
}

async function closeDialog(app, page) {
  await step(app, 'close the dialog', async () => {
    const dialog = page.locator('.modal-ux');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  });
}

async function screenshot(app, page) {
  const file = join(SHOTS, `${app}.png`);
  await step(app, `screenshot ${relative(ROOT, file)}`, async () => {
    await someOperation(page).locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: file, fullPage: true });
  });
  return file;
}

// Unauthenticated Execute: 401 with the RFC 6750 challenge, no Authorization header sent.
async function checkUnauthorized(app, page) {
  const { authorization, curl } = await execute(app, page, 401);
  check(authorization === null, `Swagger UI sent Authorization before authorizing: ${curl}`);
  const headers = await someOperation(page)
    .locator('.live-responses-table .response .headerline')
    .allInnerTexts();
  check(
    headers.some((h) => /^\s*www-authenticate:\s*Bearer/i.test(h)),
    `the 401 has no "www-authenticate: Bearer" header: ${headers.join(' | ')}`,
  );
}

async function oauth2PasswordBearer(context) {
  const app = 'oauth2_password_bearer';
  const server = await step(app, 'start the server', () => startServer(app));
  try {
    const { url } = server;
    const user = newUser(app);
    await step(app, `register ${user.email} (JSON POST /login)`, () => postJsonUser(url, user));

    const page = await context.newPage();
    await openSwagger(app, page, url);
    await tryItOut(app, page);
    await checkUnauthorized(app, page);

    await step(app, 'click "Authorize"', async () => {
      await page.locator('.btn.authorize').click();
      await page.locator('.modal-ux #oauth_username').waitFor();
    });
    await step(app, 'fill username and password', async () => {
      await page.locator('#oauth_username').fill(user.email);
      await page.locator('#oauth_password').fill('any non-empty password');
    });
    const grant = await step(app, 'click the dialog\'s "Authorize" (password grant)', async () => {
      const dialog = page.locator('.modal-ux');
      const responded = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
      );
      await dialog.locator('.auth-btn-wrapper .btn.authorize').click();
      const response = await responded;
      const request = response.request();
      const form = new URLSearchParams(request.postData() ?? '');
      check(
        form.get('grant_type') === 'password' && form.get('username') === user.email,
        `Swagger UI's token request was not a password grant for ${user.email}: ${request.postData()}`,
      );
      const body = await response.text();
      check(response.status() === 201, `the token request answered ${response.status()}: ${body}`);
      const errors = dialog.locator('.errors');
      await Promise.race([
        authorized(dialog).waitFor(),
        errors.waitFor().then(async () => {
          throw new Failure(`the dialog shows an error: ${await errors.innerText()}`);
        }),
      ]);
      return JSON.parse(body);
    });
    check(grant.token_type === 'bearer', `token_type is ${grant.token_type}, not bearer`);
    await closeDialog(app, page);
    await checkLocked(app, page);

    const { authorization, body } = await execute(app, page, 200);
    check(
      authorization === `Bearer ${grant.access_token}`,
      `Swagger UI sent "${authorization}", not the token of the password grant`,
    );
    const claims = jwtPayload(grant.access_token);
    check(
      claims.sub === user.id && claims.email === user.email,
      `the granted token is not ${user.email}'s: ${JSON.stringify(claims)}`,
    );
    checkUserBody(body, user);
    const shot = await screenshot(app, page);
    log(`[${app}] ok: 401 before, 200 with ${user.email} after the password flow; ${relative(ROOT, shot)}`);
    await page.close();
  } finally {
    await stopServer(server);
  }
}

async function jwtAuth(context) {
  const app = 'jwt_auth';
  const server = await step(app, 'start the server', () => startServer(app));
  try {
    const { url } = server;
    const user = newUser(app);
    const token = await step(app, `log in ${user.email} (JSON POST /login)`, async () => {
      const { response } = await postJsonUser(url, user);
      const header = response.headers.get('authorization') ?? '';
      const match = /^Bearer (\S+)$/.exec(header);
      check(match, `POST /login gave no "Authorization: Bearer" header (got "${header}")`);
      return match[1];
    });

    const page = await context.newPage();
    await openSwagger(app, page, url);
    await tryItOut(app, page);
    await checkUnauthorized(app, page);

    await step(app, 'click "Authorize"', async () => {
      await page.locator('.btn.authorize').click();
      await page.locator('.modal-ux #auth-bearer-value').waitFor();
    });
    await step(app, 'paste the token', () => page.locator('#auth-bearer-value').fill(token));
    await step(app, 'click the dialog\'s "Authorize"', async () => {
      const dialog = page.locator('.modal-ux');
      await dialog.locator('.auth-btn-wrapper .btn.authorize').click();
      await authorized(dialog).waitFor();
    });
    await closeDialog(app, page);
    await checkLocked(app, page);

    const { authorization, body, curl } = await execute(app, page, 200);
    check(
      authorization === `Bearer ${token}`,
      `Swagger UI sent "${authorization}", not the pasted token`,
    );
    check(curl.includes(`Authorization: Bearer ${token}`), `the curl command lacks the token: ${curl}`);
    checkUserBody(body, user);
    const shot = await screenshot(app, page);
    log(`[${app}] ok: 401 before, 200 with ${user.email} after the bearer token; ${relative(ROOT, shot)}`);
    await page.close();
  } finally {
    await stopServer(server);
  }
}

function operation(page, method, path) {
  return page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

// Expands `method path`, clicks "Try it out" and "Execute"; returns the live status and the
// Authorization header the browser sent.
async function tryAndExecute(app, page, method, path, expectedStatus) {
  const op = operation(page, method, path);
  const upper = method.toUpperCase();
  await step(app, `expand ${upper} ${path}, "Try it out"`, async () => {
    await op.locator('.opblock-summary-control').click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.getByRole('button', { name: 'Execute' }).waitFor();
  });
  return step(app, `click "Execute" on ${upper} ${path} (expect ${expectedStatus})`, async () => {
    const responded = page.waitForResponse(
      (r) => r.request().method() === upper && new URL(r.url()).pathname === path,
    );
    await op.getByRole('button', { name: 'Execute' }).click();
    const response = await responded;
    const authorization = await response.request().headerValue('authorization');
    check(
      response.status() === expectedStatus,
      `${upper} ${path} answered ${response.status()}`,
    );
    await op
      .locator('.live-responses-table .response .response-col_status')
      .filter({ hasText: new RegExp(`^\\s*${expectedStatus}\\s*$`) })
      .waitFor();
    return { authorization, challenge: response.headers()['www-authenticate'] };
  });
}

async function oauth2Scopes(context) {
  const app = 'oauth2_scopes';
  const server = await step(app, 'start the server', () => startServer(app));
  try {
    const { url } = server;
    const page = await context.newPage();
    await step(app, 'open /schema/swagger/', async () => {
      await page.goto(`${url}/schema/swagger/`);
      await page.locator('.btn.authorize').waitFor();
      await operation(page, 'get', '/reports').waitFor();
    });
    await step(app, 'click "Authorize"', async () => {
      await page.locator('.btn.authorize').click();
      await page.locator('.modal-ux #oauth_username').waitFor();
    });
    const dialog = page.locator('.modal-ux');
    await step(app, "the dialog asks for the document's scopes", async () => {
      const scopes = dialog.locator('.scopes');
      await scopes.waitFor();
      const names = await scopes.locator('p.name').allInnerTexts();
      const descriptions = await scopes.locator('p.description').allInnerTexts();
      const shown = JSON.stringify(names.map((n, i) => [n.trim(), descriptions[i]?.trim()]));
      const expected = JSON.stringify([
        ['reports:read', 'Read the reports'],
        ['reports:write', 'Delete the reports'],
      ]);
      check(shown === expected, `the dialog lists ${shown}, not ${expected}`);
      const boxes = scopes.locator('input[type="checkbox"]');
      check((await boxes.count()) === 2, `the dialog has ${await boxes.count()} scope checkboxes, not 2`);
    });
    await step(app, 'fill username and password, tick reports:read only', async () => {
      await page.locator('#oauth_username').fill('ada');
      await page.locator('#oauth_password').fill('any non-empty password');
      const read = dialog.locator('.scopes input[type="checkbox"][data-value="reports:read"]');
      await dialog.locator(`label[for="${await read.getAttribute('id')}"]`).click();
      check(await read.isChecked(), 'the reports:read checkbox is not ticked');
      const write = dialog.locator('.scopes input[type="checkbox"][data-value="reports:write"]');
      check(!(await write.isChecked()), 'the reports:write checkbox is ticked');
    });
    const grant = await step(app, 'click the dialog\'s "Authorize" (password grant)', async () => {
      const responded = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
      );
      await dialog.locator('.auth-btn-wrapper .btn.authorize').click();
      const response = await responded;
      const form = new URLSearchParams(response.request().postData() ?? '');
      check(
        form.get('grant_type') === 'password' && form.get('scope') === 'reports:read',
        `the token request did not ask for exactly reports:read: ${response.request().postData()}`,
      );
      const body = await response.text();
      check(response.status() === 201, `the token request answered ${response.status()}: ${body}`);
      await authorized(dialog).waitFor();
      return JSON.parse(body);
    });
    check(
      jwtPayload(grant.access_token).scope === 'reports:read',
      `the granted token's scope is ${jwtPayload(grant.access_token).scope}`,
    );
    await closeDialog(app, page);

    const read = await tryAndExecute(app, page, 'get', '/reports', 200);
    check(
      read.authorization === `Bearer ${grant.access_token}`,
      'Swagger UI did not send the granted token',
    );
    const write = await tryAndExecute(app, page, 'delete', '/reports', 403);
    check(
      /error="insufficient_scope"/.test(write.challenge ?? '') &&
        /scope="reports:read reports:write"/.test(write.challenge ?? ''),
      `the 403 challenge is ${write.challenge}`,
    );
    const file = join(SHOTS, `${app}.png`);
    await step(app, `screenshot ${relative(ROOT, file)}`, () =>
      page.screenshot({ path: file, fullPage: true }),
    );
    log(`[${app}] ok: the dialog lists both scopes; reports:read granted -> GET 200, DELETE 403; ${relative(ROOT, file)}`);
    await page.close();
  } finally {
    await stopServer(server);
  }
}

// Clicks "Execute" on an expanded, tried-out operation and returns the browser's response.
async function executeOperation(app, page, method, path, expectedStatus) {
  const op = operation(page, method, path);
  const upper = method.toUpperCase();
  return step(app, `click "Execute" on ${upper} ${path} (expect ${expectedStatus})`, async () => {
    const responded = page.waitForResponse(
      (r) => r.request().method() === upper && new URL(r.url()).pathname === path,
    );
    await op.getByRole('button', { name: 'Execute' }).click();
    const response = await responded;
    check(response.status() === expectedStatus, `${upper} ${path} answered ${response.status()}`);
    await op
      .locator('.live-responses-table .response .response-col_status')
      .filter({ hasText: new RegExp(`^\\s*${expectedStatus}\\s*$`) })
      .waitFor();
    return response;
  });
}

async function sessionAuth(context) {
  const app = 'session_auth';
  const server = await step(app, 'start the server', () =>
    startServer(app, { SESSION_COOKIE_SECURE: 'false' }),
  );
  try {
    const { url } = server;
    const page = await context.newPage();
    await step(app, 'open /schema/swagger/', async () => {
      await page.goto(`${url}/schema/swagger/`);
      await operation(page, 'get', '/user').waitFor();
    });
    const before = await tryAndExecute(app, page, 'get', '/user', 401);
    check(
      /^Session realm=/.test(before.challenge ?? ''),
      `the 401 challenge is not the Session scheme: ${before.challenge}`,
    );

    const tag = randomBytes(4).toString('hex');
    const user = { name: `Ada ${app}`, email: `ada.${tag}@example.com`, password: 'correct horse' };
    const signup = operation(page, 'post', '/signup');
    await step(app, 'expand POST /signup, "Try it out", type the new user', async () => {
      await signup.locator('.opblock-summary-control').click();
      await signup.getByRole('button', { name: 'Try it out' }).click();
      await signup.locator('textarea.body-param__text').fill(JSON.stringify(user));
    });
    const created = await executeOperation(app, page, 'post', '/signup', 201);
    const body = await created.json();
    check(body.email === user.email && body.name === user.name, `POST /signup answered ${JSON.stringify(body)}`);
    const cookies = await context.cookies(url);
    const session = cookies.find((c) => c.name === 'session');
    check(session && session.httpOnly && session.sameSite === 'Lax', `no HttpOnly SameSite=Lax session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);

    const me = await executeOperation(app, page, 'get', '/user', 200);
    const shown = await me.json();
    check(
      shown.id === body.id && shown.email === user.email,
      `GET /user answered ${JSON.stringify(shown)}, not the new user`,
    );
    const file = join(SHOTS, `${app}.png`);
    await step(app, `screenshot ${relative(ROOT, file)}`, () => page.screenshot({ path: file, fullPage: true }));
    log(`[${app}] ok: 401 before, 201 from POST /signup, then 200 with ${user.email}; ${relative(ROOT, file)}`);
    await page.close();
  } finally {
    await stopServer(server);
  }
}

function killEverything() {
  for (const server of servers) {
    if (!server.exited) server.child.kill('SIGKILL');
  }
}

async function main() {
  check(existsSync(CHROMIUM), `${CHROMIUM} is missing; run .ci/browser/run.sh (it installs it)`);
  mkdirSync(SHOTS, { recursive: true });
  const begin = Date.now();
  browser = await step('chromium', `launch ${CHROMIUM}`, () =>
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
  );
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const pageErrors = [];
  context.on('page', (page) => page.on('pageerror', (error) => pageErrors.push(error.message)));
  await oauth2PasswordBearer(context);
  await jwtAuth(context);
  await oauth2Scopes(context);
  await sessionAuth(context);
  await browser.close();
  browser = undefined;
  if (pageErrors.length > 0) log(`note: uncaught page errors: ${pageErrors.join(' | ')}`);
  log(`all green in ${((Date.now() - begin) / 1000).toFixed(1)} s`);
}

const watchdog = setTimeout(() => {
  console.error(`browser: FAILED: the whole run exceeded ${TOTAL_TIMEOUT_MS / 1000} s`);
  killEverything();
  process.exit(1);
}, TOTAL_TIMEOUT_MS);
watchdog.unref();

process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killEverything();
    process.exit(130);
  });
}

try {
  await main();
} catch (error) {
  console.error(`browser: FAILED: ${error instanceof Failure ? error.message : error.stack}`);
  for (const server of started) {
    if (server.stderr) console.error(`--- ${server.name} stderr ---\n${server.stderr}`);
  }
  await browser?.close().catch(() => {});
  killEverything();
  process.exitCode = 1;
}
