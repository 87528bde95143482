import { test } from '@japa/runner'

test.group('Health check', () => {
  test('GET /healthz reports the database as reachable', async ({ client }) => {
    const response = await client.get('/healthz')
    response.assertStatus(200)
    response.assertBodyContains({ status: 'ok', database: { reachable: true } })
  })

  test('htmx is served from our own assets, pinned to 2.x', async ({ client, assert }) => {
    const response = await client.get('/assets/vendor/htmx.min.js')
    response.assertStatus(200)
    assert.include(response.header('content-type'), 'javascript')
    assert.match(response.text(), /htmx/)
    assert.match(response.text(), /version:"2\.\d+\.\d+"/)
  })
})
