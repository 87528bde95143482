import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { test } from '@japa/runner'
import type Organization from '#orgs/models/organization'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import { givenIssued, tokenOf } from '#tests/helpers/verification'
import { givenJob } from '#tests/helpers/certificates'
import GenerationJob from '#certificates/models/generation_job'
import {
  childrenOf,
  exitOf,
  freePort,
  healthy,
  server,
  startedProcesses,
  waitFor,
} from '#tests/helpers/processes'

/*
| Several web processes on one port (WEB_CONCURRENCY, bin/server.ts,
| #core/services/web_cluster; ARCHITECTURE.md "Web processes"), as real
| processes on the test database. Every request here opens a connection of
| its own, so the primary hands them to the web processes in turn.
*/

/** The web processes under the primary `pid` (the queue worker beside them runs `ace queue:work`). */
function webProcessesOf(pid: number) {
  return childrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('bin/server')
    } catch {
      return false
    }
  })
}

/** The queue worker under the primary `pid`, or undefined. */
function queueWorkerOf(pid: number) {
  return childrenOf(pid).find((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('queue:work')
    } catch {
      return false
    }
  })
}

function alive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** One request on a connection of its own: its status and JSON body. */
function fresh(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}
) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (response) => {
        let text = ''
        response.on('data', (data) => (text += data))
        response.on('end', () => {
          let parsed: unknown = text
          try {
            parsed = JSON.parse(text)
          } catch {}
          resolve({ status: response.statusCode!, body: parsed })
        })
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** `count` requests one after another, each on a new connection. */
async function inTurn(count: number, send: () => Promise<{ status: number; body: any }>) {
  const answers = []
  for (let i = 0; i < count; i++) answers.push(await send())
  return answers
}

test.group('Several web processes on one port (real processes)', (group) => {
  const orgs: Organization[] = []
  const { started, stopStarted } = startedProcesses()
  group.each.teardown(async () => {
    await stopStarted()
    for (const org of orgs.splice(0)) await removeOrgData(org.id)
  })

  test('a revocation made through one web process shows at once on the other; the queue worker beside them issues a job; SIGTERM stops them all, exit 0', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const [certificate] = await givenIssued(org, { count: 1 })
    const { secret } = await givenApiKey(org)
    const port = await freePort()
    // Copies kept ten minutes: only the message between the processes can make one forget.
    const web = started(
      server(port, {
        WEB_CONCURRENCY: '2',
        VERIFICATION_CERTIFICATE_TTL_MS: '600000',
        VERIFICATION_ISSUER_TTL_MS: '600000',
      })
    )
    await healthy(port, web)
    const workers = await waitFor('two web processes', () => {
      const pids = webProcessesOf(web.child.pid!)
      return pids.length === 2 && queueWorkerOf(web.child.pid!) ? pids : null
    })

    await waitFor('both web processes to listen', () =>
      workers.every((pid) => web.output().includes(`(authentix/${pid}): started HTTP server`))
    )
    const queuePid = queueWorkerOf(web.child.pid!)!
    const verify = () => fresh(port, `/api/v1/verify/${tokenOf(certificate)}`)
    const before = await inTurn(6, verify)
    assert.deepEqual(
      before.map(({ status, body }) => [status, body.status]),
      Array.from({ length: 6 }, () => [200, 'valid']),
      'both processes serve, and each now keeps the certificate'
    )

    const revoked = await fresh(port, `/api/v1/certificates/${certificate.id}/revocation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: { reason: 'Issued in error' },
    })
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body))

    const after = await inTurn(6, verify)
    assert.deepEqual(
      after.map(({ status, body }) => [status, body.status]),
      Array.from({ length: 6 }, () => [200, 'revoked']),
      'no process shows the revoked certificate as valid'
    )

    // No web process runs the queue's work: the primary's `queue:work` does.
    const { job } = await givenJob(org, { count: 3 })
    await waitFor('the queue worker to issue the job', async () => {
      const current = await GenerationJob.findOrFail(job.id)
      return current.status === 'completed'
    })

    web.child.kill('SIGTERM')
    assert.deepEqual(await exitOf(web), { code: 0, signal: null }, web.output())
    assert.include(web.output(), 'SIGTERM: stopping 2 web processes and the queue worker')
    assert.include(web.output(), 'every process has stopped')
    for (const pid of workers) assert.isFalse(alive(pid), `web process ${pid} has exited`)
    assert.isFalse(alive(queuePid), 'the queue worker has exited')
    assert.notInclude(web.output(), 'still held the process')
    assert.notInclude(web.output(), 'again: exiting now')
  }).timeout(180_000)

  test('two hosts: a revocation made on one shows on the other within the change feed, not the cache lifetime', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const [certificate] = await givenIssued(org, { count: 1 })
    const { secret } = await givenApiKey(org)
    // Two separate servers on one database, as two hosts; copies kept ten minutes,
    // so only the change feed (read every 200 ms) can make host B forget.
    const hostEnv = {
      WEB_CONCURRENCY: '1',
      QUEUE_WORKER: 'off',
      VERIFICATION_CERTIFICATE_TTL_MS: '600000',
      VERIFICATION_CHANGES_POLL_MS: '200',
    }
    const [portA, portB] = [await freePort(), await freePort()]
    const hostA = started(server(portA, hostEnv))
    const hostB = started(server(portB, hostEnv))
    await healthy(portA, hostA)
    await healthy(portB, hostB)
    const statusOn = async (port: number) => {
      const { body } = await fresh(port, `/api/v1/verify/${tokenOf(certificate)}`)
      return body.status
    }
    assert.equal(await statusOn(portB), 'valid', 'host B now keeps the certificate')

    const revoked = await fresh(portA, `/api/v1/certificates/${certificate.id}/revocation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: { reason: 'Issued in error' },
    })
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
    await waitFor(
      'host B to show the revocation (its copy is kept ten minutes)',
      async () => (await statusOn(portB)) === 'revoked',
      15_000
    )
    assert.equal(await statusOn(portA), 'revoked')
  }).timeout(120_000)

  test('a web process that dies is replaced; the per-address miss limit holds for the whole host', async ({
    assert,
  }) => {
    const port = await freePort()
    const web = started(
      server(port, { WEB_CONCURRENCY: '2', VERIFY_MISSES_PER_IP_PER_MINUTE: '4' })
    )
    await healthy(port, web)
    const pids = await waitFor('two web processes', () => {
      const found = webProcessesOf(web.child.pid!)
      return found.length === 2 && queueWorkerOf(web.child.pid!) ? found : null
    })
    const first = pids[0]
    await waitFor('both web processes to listen', () =>
      pids.every((pid) => web.output().includes(`(authentix/${pid}): started HTTP server`))
    )

    const misses = await inTurn(12, () =>
      fresh(port, `/api/v1/verify/${'x'.repeat(32)}`, {
        headers: { 'x-forwarded-for': '198.18.7.7' },
      })
    )
    const notFound = misses.filter(({ status }) => status === 404).length
    assert.isAtMost(notFound, 4, 'two processes together allow the limit, not twice it')
    assert.isAtLeast(notFound, 2)
    assert.isTrue(misses.every(({ status }) => status === 404 || status === 429))
    // Each request is logged with an id of its own, made before the app saw it (#core/services/request_ids).
    assert.match(web.output(), /request_id: "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/)

    process.kill(first, 'SIGKILL')
    const replacement = await waitFor('a new web process in place of the killed one', () => {
      const found = webProcessesOf(web.child.pid!)
      return found.length === 2 && !found.includes(first) && found.find((pid) => pid !== pids[1])
    })
    await waitFor('the new process to listen', () =>
      web.output().includes(`(authentix/${replacement}): started HTTP server`)
    )
    const answers = await inTurn(4, () => fresh(port, '/healthz'))
    assert.deepEqual(
      answers.map(({ status }) => status),
      [200, 200, 200, 200]
    )
    assert.include(web.output(), `web process 0 exited (signal SIGKILL); starting another`)

    web.child.kill('SIGTERM')
    assert.deepEqual(await exitOf(web), { code: 0, signal: null }, web.output())
    assert.notInclude(web.output(), 'still held the process')
  }).timeout(180_000)

  test('when the primary is killed, each web process stops as on SIGTERM and the queue worker stops too: nothing is left running', async ({
    assert,
  }) => {
    const port = await freePort()
    const web = started(server(port, { WEB_CONCURRENCY: '2' }))
    await healthy(port, web)
    const pids = await waitFor('two web processes and the queue worker', () => {
      const found = webProcessesOf(web.child.pid!)
      const queue = queueWorkerOf(web.child.pid!)
      return found.length === 2 && queue ? [...found, queue] : null
    })
    await waitFor('both web processes to listen', () =>
      pids
        .slice(0, 2)
        .every((pid) => web.output().includes(`(authentix/${pid}): started HTTP server`))
    )

    web.child.kill('SIGKILL')
    // The output pipes close when the last process holding them (the children) has exited.
    await exitOf(web)
    await waitFor('every child to exit', () => pids.every((pid) => !alive(pid)), 30_000)
    for (const pid of pids.slice(0, 2)) {
      assert.include(
        web.output(),
        `(authentix/${pid}): SIGTERM: stopping`,
        'a graceful stop, not an exit'
      )
    }
  }).timeout(180_000)

  test('a web process that cannot listen (the port is taken) ends the whole cluster with exit 1', async ({
    assert,
  }) => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const web = started(server(port, { WEB_CONCURRENCY: '2' }))
      const exit = await exitOf(web, 120_000)
      assert.equal(exit.code, 1, web.output())
      assert.include(web.output(), 'before it started listening')
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  }).timeout(180_000)
})
