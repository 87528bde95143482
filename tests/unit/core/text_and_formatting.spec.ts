import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { bidiControlIn, stripControls } from '#core/services/control_characters'
import { emptyRecord, namesPrototypeMember, ownValue } from '#core/services/own_keys'
import { formatDate, formatDateTime, formatMoney, formatNumber } from '#core/services/formatting'

test.group('Control characters', () => {
  test('C0, DEL and C1 controls are removed; tab, LF and CR are kept only when asked', ({
    assert,
  }) => {
    const text = 'a\u0000b\u0007c\u001bd\u007fe\u0085f\u009fg\th\ni\rj'
    assert.equal(stripControls(text), 'abcdefghij')
    assert.equal(stripControls(text, { keepLines: true }), 'abcdefg\th\ni\rj')
  })

  test('bidi embedding, override and isolate controls are found and named', ({ assert }) => {
    assert.equal(bidiControlIn('Evil\u202Egnp.exe'), 'U+202E')
    for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069])
      assert.isNotNull(bidiControlIn(`x${String.fromCodePoint(code)}y`), code.toString(16))
    // Marks that only hint direction (LRM, RLM) and Arabic or Hebrew text are not controls.
    assert.isNull(bidiControlIn('\u200e\u200fمحمد עברית'))
  })
})

test.group('Own keys', () => {
  test('Object.prototype members are never read as data', ({ assert }) => {
    const row: Record<string, string> = { recipient_name: 'Asha' }
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])
      assert.isUndefined(ownValue(row, key), key)
    assert.equal(
      ownValue({ constructor: 'Guild' } as Record<string, string>, 'constructor'),
      'Guild'
    )
    assert.isTrue(namesPrototypeMember('constructor'))
    assert.isTrue(namesPrototypeMember('__proto__'))
    assert.isFalse(namesPrototypeMember('course_name'))
    const record = emptyRecord<string>()
    // A key read from user data, assigned as data rather than as the prototype.
    const key = ['__', 'proto', '__'].join('')
    record[key] = 'x'
    assert.deepEqual(Object.keys(record), ['__proto__'])
    assert.isFalse('toString' in record)
  })
})

test.group('Formatting (en-IN)', () => {
  test('numbers and money in Indian grouping, dates and times in UTC', ({ assert }) => {
    assert.equal(formatNumber(1234567), '12,34,567')
    assert.equal(formatNumber(null), '')
    assert.equal(formatMoney(12345650), '₹1,23,456.50')
    const at = DateTime.fromISO('2026-12-06T14:05:00Z')
    assert.equal(formatDate(at), '6 Dec 2026')
    assert.equal(formatDate('2026-03-15', { long: true }), '15 March 2026')
    assert.equal(formatDateTime(at), '6 Dec 2026, 14:05 UTC')
    assert.equal(formatDateTime(at.setZone('Asia/Kolkata')), '6 Dec 2026, 14:05 UTC')
    assert.equal(formatDate(null), '')
    assert.equal(formatDate('not a date'), '')
  })

  test('a date written as text reads the same every time, short and long apart', ({ assert }) => {
    for (let round = 0; round < 3; round++) {
      assert.equal(formatDate('2026-03-15'), '15 Mar 2026')
      assert.equal(formatDate('2026-03-15', { long: true }), '15 March 2026')
      assert.equal(formatDate('2026-03-15T23:30:00-02:00'), '16 Mar 2026')
      assert.equal(formatDate('not a date', { long: true }), '')
    }
    for (let day = 0; day < 5000; day++) {
      const date = DateTime.utc(2020, 1, 1).plus({ days: day })
      assert.equal(formatDate(date.toISODate()!), formatDate(date))
    }
  })
})
