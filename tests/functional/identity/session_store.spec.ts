import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import PruneExpiredSessions from '#identity/actions/prune_expired_sessions'
import { GUEST_SESSION_COOKIE } from '#core/services/session_store'
import { givenUser, PASSWORD } from '#tests/helpers/given'
import { baseUrl } from '#tests/helpers/browser'

/*
| Where a session lives (core/services/session_store.ts), seen from a
| browser: plain HTTP with the cookies each response sets sent back, as a
| browser would (the test client writes sessions rows by itself, so it
| cannot show this).
*/
class Browser {
  cookies = new Map<string, string>()
  cleared: string[] = []

  async request(path: string, init: RequestInit = {}) {
    const response = await fetch(`${baseUrl()}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      },
    })
    this.cleared = []
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const name = pair.slice(0, pair.indexOf('='))
      const value = pair.slice(pair.indexOf('=') + 1)
      if (/max-age=-1|max-age=0|expires=Thu, 01 Jan 1970/i.test(line) || value === '') {
        this.cookies.delete(name)
        this.cleared.push(name)
      } else {
        this.cookies.set(name, value)
      }
    }
    return response
  }

  /** GET a page with a form, then POST the form with its CSRF token. */
  async submit(formPath: string, action: string, fields: Record<string, string>) {
    const page = await this.request(formPath)
    const csrf = /name='_csrf' value='([^']+)'/.exec(await page.text())?.[1]
    if (!csrf) throw new Error(`${formPath} has no CSRF field`)
    return this.request(action, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'referer': `${baseUrl()}${formPath}`,
      },
      body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    })
  }
}

async function addedRows(before: Array<{ id: string }>) {
  const rows = await sessionsRows()
  return rows.filter((row) => !before.some((b) => b.id === row.id))
}

const statusOf = (response: Promise<Response>) => response.then(({ status }) => status)

const sessionsRows = () => db.from('sessions').select('id', 'user_id', 'expires_at')

test.group('Sessions: guests in a cookie, signed-in users in a row', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a guest signs in through the login form with no row written until signed in, then has exactly one, tagged; signing out deletes it', async ({
    assert,
  }) => {
    const user = await givenUser()
    const before = await sessionsRows()
    const browser = new Browser()

    const loginPage = await browser.request('/login')
    assert.equal(loginPage.status, 200)
    assert.isTrue(browser.cookies.has(GUEST_SESSION_COOKIE))
    assert.deepEqual(await sessionsRows(), before)

    // The CSRF secret comes back from the cookie, not a row: the form posts.
    const signedIn = await browser.submit('/login', '/login', {
      email: user.email,
      password: PASSWORD,
    })
    assert.equal(signedIn.status, 302)
    assert.equal(signedIn.headers.get('location'), '/dashboard')
    assert.include(browser.cleared, GUEST_SESSION_COOKIE)
    const rows = await addedRows(before)
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].user_id, user.id)

    const account = await browser.request('/account')
    assert.equal(account.status, 200)

    const signedOut = await browser.submit('/account', '/logout', {})
    assert.equal(signedOut.status, 302)
    assert.notExists(await db.from('sessions').where('id', rows[0].id).first())
    assert.equal(await statusOf(browser.request('/account')), 302)
  })

  test('a wrong password shows the error and the typed email from the guest cookie; nothing is stored', async ({
    assert,
  }) => {
    const user = await givenUser()
    const before = await sessionsRows()
    const browser = new Browser()
    const refused = await browser.submit('/login', '/login', {
      email: user.email,
      password: 'not-the-password',
    })
    assert.equal(refused.status, 302)
    const page = await browser.request(refused.headers.get('location')!)
    const html = await page.text()
    assert.include(html, 'do not match an account')
    assert.include(html, `value="${user.email}"`)
    assert.notInclude(html, 'not-the-password')
    assert.deepEqual(await sessionsRows(), before)
  })

  test('a guest cookie that was tampered with is ignored: a new session, and its old CSRF token is refused', async ({
    assert,
  }) => {
    const browser = new Browser()
    const page = await browser.request('/login')
    const csrf = /name='_csrf' value='([^']+)'/.exec(await page.text())![1]
    const cookie = browser.cookies.get(GUEST_SESSION_COOKIE)!
    const flipped = cookie.slice(0, 20) + (cookie[20] === 'A' ? 'B' : 'A') + cookie.slice(21)
    browser.cookies.set(GUEST_SESSION_COOKIE, flipped)
    const response = await browser.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'a@example.test', password: 'x', _csrf: csrf }).toString(),
    })
    assert.equal(response.status, 403)
  })

  test("a signed-in user's expiry moves forward at most once a minute, not on every request", async ({
    assert,
  }) => {
    const user = await givenUser()
    const browser = new Browser()
    await browser.submit('/login', '/login', { email: user.email, password: PASSWORD })
    const [row] = await db.from('sessions').where('user_id', user.id)
    const expiry = async () =>
      db
        .from('sessions')
        .where('id', row.id)
        .first()
        .then(({ expires_at: expiresAt }) => new Date(expiresAt).getTime())

    const first = await expiry()
    for (let i = 0; i < 3; i++) assert.equal(await statusOf(browser.request('/account')), 200)
    assert.equal(await expiry(), first)

    // Ten minutes later (the row says so): the next request moves it forward.
    await db
      .from('sessions')
      .where('id', row.id)
      .update({ expires_at: new Date(first - 10 * 60_000) })
    assert.equal(await statusOf(browser.request('/account')), 200)
    assert.isAbove(await expiry(), first - 60_000)
  })

  test('an expired row signs nobody in, and sessions:prune deletes expired rows only', async ({
    assert,
  }) => {
    const user = await givenUser()
    const browser = new Browser()
    await browser.submit('/login', '/login', { email: user.email, password: PASSWORD })
    const [live] = await db.from('sessions').where('user_id', user.id)

    const stale = new Browser()
    await stale.submit('/login', '/login', { email: user.email, password: PASSWORD })
    const rows = await db.from('sessions').where('user_id', user.id)
    const staleRow = rows.find((row) => row.id !== live.id)
    await db
      .from('sessions')
      .where('id', staleRow.id)
      .update({ expires_at: new Date(Date.now() - 1000) })
    assert.equal(await statusOf(stale.request('/account')), 302)

    await db.table('sessions').insert({
      id: 'expired-long-ago',
      user_id: user.id,
      data: '{}',
      expires_at: new Date(Date.now() - 86_400_000),
    })
    const { deleted } = await PruneExpiredSessions.handle()
    assert.isAtLeast(deleted, 1)
    assert.notExists(await db.from('sessions').where('id', 'expired-long-ago').first())
    assert.exists(await db.from('sessions').where('id', live.id).first())
    assert.equal(await statusOf(browser.request('/account')), 200)
  })

  test("a guest's flashed input too big for a cookie falls back to a row, and still comes back to the form", async ({
    assert,
  }) => {
    const before = await sessionsRows()
    const browser = new Browser()
    const long = 'Institute of Advanced Studies '.repeat(150)
    const refused = await browser.submit('/signup', '/signup', {
      full_name: long,
      email: 'not-an-email',
      organization_name: long,
      password: 'short',
    })
    assert.equal(refused.status, 302)
    assert.isFalse(browser.cookies.has(GUEST_SESSION_COOKIE))
    const added = await addedRows(before)
    assert.lengthOf(added, 1)
    assert.isNull(added[0].user_id)
    const page = await browser.request(refused.headers.get('location')!)
    const html = await page.text()
    assert.include(html, 'Institute of Advanced Studies')
    // Back to the cookie once the flash is read: the row is gone.
    assert.notExists(await db.from('sessions').where('id', added[0].id).first())
    assert.isTrue(browser.cookies.has(GUEST_SESSION_COOKIE))
  })
})
