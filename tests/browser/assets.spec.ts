import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'

/*
| What a page costs the browser in files: our CSS, scripts and the icon by
| fingerprinted URLs, each fetched once (the brand mark is drawn inline, so
| the icon is not fetched a second time as an image), compressed, and taken
| from the cache on the next page without asking the server.
*/

const FINGERPRINTED = /^\/assets\/[a-z0-9_./-]+\.[0-9a-f]{12}\.(?:css|js|svg)$/

test.group('Assets in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the dashboard fetches each file once, fingerprinted and compressed; the next page fetches none of them again', async ({
    assert,
    cleanup,
  }) => {
    const { owner } = await givenOrg({ name: 'Asset Academy' })
    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)

    // Every response for one of our files (fonts aside), as Chromium's network layer saw it.
    const session = await page.context().newCDPSession(page)
    await session.send('Network.enable')
    const fromCache = new Set<string>()
    let seen: Array<{ id: string; path: string; encoding?: string; fromDisk: boolean }> = []
    session.on('Network.requestServedFromCache', ({ requestId }) => fromCache.add(requestId))
    session.on('Network.responseReceived', ({ requestId, response }) => {
      const path = new URL(response.url).pathname
      if (!path.startsWith('/assets/') || path.startsWith('/assets/fonts/')) return
      const headers = Object.fromEntries(
        Object.entries(response.headers).map(([key, value]) => [key.toLowerCase(), value])
      )
      seen.push({
        id: requestId,
        path,
        encoding: headers['content-encoding'] as string | undefined,
        fromDisk: response.fromDiskCache === true,
      })
    })
    const fromServer = () => seen.filter((entry) => !entry.fromDisk && !fromCache.has(entry.id))

    // A first visit (empty cache), in full.
    await session.send('Network.clearBrowserCache')
    await page.goto('/dashboard')
    await page.waitForLoadState('networkidle')
    const first = fromServer()
    const paths = first.map((entry) => entry.path)
    assert.isAbove(paths.length, 3)
    assert.deepEqual(paths, [...new Set(paths)], 'no file is fetched twice')
    assert.lengthOf(
      paths.filter((path) => path.includes('favicon')),
      1,
      'the icon once'
    )
    for (const entry of first) {
      assert.match(entry.path, FINGERPRINTED)
      if (!entry.path.endsWith('.svg')) assert.equal(entry.encoding, 'br', entry.path)
    }

    // The next page, loaded in full: every file comes from the cache, none from the server.
    seen = []
    await page.goto('/certificates')
    await page.waitForLoadState('networkidle')
    assert.isAbove(seen.length, 3, 'the page uses the same files')
    assert.deepEqual(
      fromServer().map((entry) => entry.path),
      [],
      'cached for a year: not asked for again'
    )
    assert.deepEqual(pageProblems(page), [])
  })
})
