import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { givenApiKey } from '#tests/helpers/api_keys'
import { givenOrg } from '#tests/helpers/given'
import { givenLedgerHistory } from '#tests/helpers/ledger'

/*
| The ledger through the API (`GET /api/v1/billing/ledger`): the contract's
| list, newest first, each entry with the balance after it over the whole
| history whatever the page; the key's org's entries only; the closing
| balance is `GET /api/v1/billing`'s `balance_paise`.
*/

interface EntryJson {
  id: string
  kind: string
  reference: string | null
  debit_paise: number | null
  credit_paise: number | null
  balance_paise: number
}

const rowOf = (entry: EntryJson) => ({
  kind: entry.kind,
  reference: entry.reference,
  debit: entry.debit_paise,
  credit: entry.credit_paise,
  balance: entry.balance_paise,
})

test.group('API: the ledger', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('GET /api/v1/billing/ledger lists the entries newest first in the contract’s shape; its last balance is GET /api/v1/billing’s balance_paise', async ({
    client,
    assert,
  }) => {
    const { org, expected, invoices, totals } = await givenLedgerHistory()
    const { secret } = await givenApiKey(org)

    const response = await client.get('/api/v1/billing/ledger').bearerToken(secret)
    response.assertStatus(200)
    const { data, meta } = response.body()
    const close = 100_000 - totals.t2 - totals.t3
    assert.deepEqual(meta, {
      total: expected.length,
      page: 1,
      per_page: 25,
      balance_paise: close,
      currency: 'INR',
    })
    assert.deepEqual(data.map(rowOf), [...expected].reverse())
    const [november] = data
    assert.containsSubset(november, {
      id: invoices.november.id,
      at: '2026-12-01T03:00:00.000Z',
      date: '2026-12-01',
      kind: 'invoice',
      description: `Tax invoice ${invoices.november.invoice_number}`,
      amount_paise: totals.t3,
      moves_balance: true,
      document_id: invoices.november.id,
    })
    assert.match(november.pdf_url, new RegExp(`/api/v1/invoices/${invoices.november.id}/pdf$`))
    assert.match(
      november.notes[0],
      /paid from prepaid balance \(receipt voucher XEN-[A-Z0-9]+-R00001\)$/
    )
    const credit = data.at(-1)
    assert.containsSubset(credit, {
      kind: 'adjustment_credit',
      moves_balance: false,
      amount_paise: 10_000,
      debit_paise: null,
      credit_paise: null,
      pdf_url: null,
    })

    const billing = await client.get('/api/v1/billing').bearerToken(secret)
    assert.equal(billing.body().balance_paise, close)
  })

  test('page 2 carries the running balances of the whole history; per_page over 100 is refused', async ({
    client,
    assert,
  }) => {
    const { org, expected } = await givenLedgerHistory()
    const { secret } = await givenApiKey(org)
    const newestFirst = [...expected].reverse()

    const second = await client
      .get('/api/v1/billing/ledger')
      .qs({ page: 2, per_page: 3 })
      .bearerToken(secret)
    second.assertStatus(200)
    assert.deepEqual(second.body().meta, {
      total: expected.length,
      page: 2,
      per_page: 3,
      balance_paise: expected.at(-1)!.balance,
      currency: 'INR',
    })
    assert.deepEqual(second.body().data.map(rowOf), newestFirst.slice(3, 6))

    const tooMany = await client
      .get('/api/v1/billing/ledger')
      .qs({ per_page: 101 })
      .bearerToken(secret)
    tooMany.assertStatus(422)
    assert.equal(tooMany.body().errors[0].field, 'per_page')
  })

  test('another org’s key sees only its own ledger; without a key it is a 401', async ({
    client,
    assert,
  }) => {
    const { org, expected } = await givenLedgerHistory()
    const { org: other } = await givenOrg()
    const { secret: otherSecret } = await givenApiKey(other)

    const foreign = await client.get('/api/v1/billing/ledger').bearerToken(otherSecret)
    foreign.assertStatus(200)
    assert.deepEqual(foreign.body(), {
      data: [],
      meta: { total: 0, page: 1, per_page: 25, balance_paise: 0, currency: 'INR' },
    })
    const { secret } = await givenApiKey(org)
    const own = await client.get('/api/v1/billing/ledger').bearerToken(secret)
    assert.equal(own.body().meta.total, expected.length)

    const anonymous = await client.get('/api/v1/billing/ledger')
    anonymous.assertStatus(401)
    assert.equal(anonymous.body().errors[0].code, 'E_UNAUTHORIZED')
  })
})
