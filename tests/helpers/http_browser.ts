import { baseUrl } from '#tests/helpers/browser'

/**
 * Plain HTTP against the test server with the cookies each response sets
 * sent back, as a browser would: the session id and the encrypted guest
 * session cookie travel together. (Japa's client writes a test's session
 * into a `sessions` row by itself, which a guest's session no longer is.)
 */
export class HttpBrowser {
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
