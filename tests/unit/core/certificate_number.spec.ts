import { test } from '@japa/runner'
import {
  describeFormatProblem,
  formatCertificateNumber,
  parseCertificateNumberFormat,
  previewCertificateNumber,
} from '#core/services/certificate_number'

const MARCH_2026 = new Date(Date.UTC(2026, 2, 14, 10, 0, 0))

function problemOf(format: string) {
  const parsed = parseCertificateNumberFormat(format)
  return parsed.ok ? null : parsed.problem.code
}

test.group('Certificate number format', () => {
  test('renders every placeholder', ({ assert }) => {
    assert.equal(
      formatCertificateNumber('{prefix}-{YYYY}-{seq:6}', {
        prefix: 'ACME',
        date: MARCH_2026,
        sequence: 42,
      }),
      'ACME-2026-000042'
    )
    assert.equal(
      formatCertificateNumber('{prefix}_{YY}{MM}.{seq}', {
        prefix: 'X1',
        date: MARCH_2026,
        sequence: 7,
      }),
      'X1_2603.7'
    )
  })

  test('a sequence longer than its padding is kept whole', ({ assert }) => {
    assert.equal(
      formatCertificateNumber('C{seq:3}', { prefix: 'P', date: MARCH_2026, sequence: 12345 }),
      'C12345'
    )
  })

  test('the preview is the first number of the day', ({ assert }) => {
    assert.equal(
      previewCertificateNumber('{prefix}-{YYYY}-{seq:6}', 'ACME', MARCH_2026),
      'ACME-2026-000001'
    )
    assert.isNull(previewCertificateNumber('{prefix}-{YYYY}', 'ACME', MARCH_2026))
  })

  test('a format must contain the sequence exactly once', ({ assert }) => {
    assert.equal(problemOf('{prefix}-{YYYY}'), 'missing_seq')
    assert.equal(problemOf('{seq}-{seq:4}'), 'several_seq')
    assert.isNull(problemOf('{seq}'))
    assert.isNull(problemOf('{seq:12}'))
  })

  test('unknown placeholders, stray braces and unsafe characters are refused', ({ assert }) => {
    assert.equal(problemOf('{prefix}-{DD}-{seq}'), 'unknown_token')
    assert.equal(problemOf('{prefix}-{seq'), 'unclosed_brace')
    assert.equal(problemOf('{prefix}}-{seq}'), 'unknown_token')
    assert.equal(problemOf('{prefix} {seq}'), 'invalid_character')
    assert.equal(problemOf('{prefix}/{seq}'), 'invalid_character')
    assert.equal(problemOf('<b>{seq}'), 'invalid_character')
    assert.equal(problemOf('{seq:0}'), 'seq_width')
    assert.equal(problemOf('{seq:13}'), 'seq_width')
    assert.equal(problemOf(''), 'empty')
    assert.equal(problemOf(`${'A'.repeat(80)}{seq}`), 'too_long')
  })

  test('every problem has a sentence', ({ assert }) => {
    for (const format of [
      '',
      '{x}{seq}',
      '{seq',
      'a b{seq}',
      '{YYYY}',
      '{seq}{seq}',
      '{seq:99}',
      'A'.repeat(90),
    ]) {
      const parsed = parseCertificateNumberFormat(format)
      assert.isFalse(parsed.ok)
      if (!parsed.ok) assert.match(describeFormatProblem(parsed.problem), /\w+.*\.$/)
    }
  })

  test('rendering refuses an invalid format or sequence instead of producing a duplicate-prone number', ({
    assert,
  }) => {
    assert.throws(() =>
      formatCertificateNumber('{prefix}', { prefix: 'A', date: MARCH_2026, sequence: 1 })
    )
    assert.throws(() =>
      formatCertificateNumber('{seq}', { prefix: 'A', date: MARCH_2026, sequence: 0 })
    )
    assert.throws(() =>
      formatCertificateNumber('{seq}', { prefix: 'A', date: MARCH_2026, sequence: 1.5 })
    )
  })
})
