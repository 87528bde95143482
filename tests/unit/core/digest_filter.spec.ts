import { test } from '@japa/runner'
import { createHash, randomBytes } from 'node:crypto'
import { DigestFilter } from '#core/services/digest_filter'

const digest = () => createHash('sha256').update(randomBytes(24)).digest('hex')

test.group('DigestFilter', () => {
  test('every digest added is found; of digests never added, about 1 % are false positives', ({
    assert,
  }) => {
    const filter = new DigestFilter(20_000)
    const added = Array.from({ length: 20_000 }, digest)
    for (const each of added) filter.add(each)
    assert.isTrue(added.every((each) => filter.mightContain(each)))
    assert.isFalse(filter.full)

    const others = Array.from({ length: 20_000 }, digest)
    const falsePositives = others.filter((each) => filter.mightContain(each)).length
    // Expected ~0.8 % (10 bits, 7 probes): 160 of 20,000; 2 % would mean the probes are not independent.
    assert.isBelow(falsePositives, 400)
    assert.isAbove(falsePositives, 0)
  })

  test('digests whose words have the top bit set (negative as int32) probe valid positions', ({
    assert,
  }) => {
    const filter = new DigestFilter(10)
    const high = 'ffffffff' + 'ffffffff' + 'f'.repeat(48)
    const low = '80000000' + '80000000' + '0'.repeat(48)
    assert.isFalse(filter.mightContain(high))
    filter.add(high)
    filter.add(low)
    assert.isTrue(filter.mightContain(high))
    assert.isTrue(filter.mightContain(low))
  })

  test('past its capacity it says it is full and still finds what was added', ({ assert }) => {
    const filter = new DigestFilter(100)
    const added = Array.from({ length: 150 }, digest)
    for (const each of added) filter.add(each)
    assert.isTrue(filter.full)
    assert.equal(filter.added, 150)
    assert.isTrue(added.every((each) => filter.mightContain(each)))
  })

  test('refuses what is not a SHA-256 digest, and a capacity that is not a whole number ≥ 1', ({
    assert,
  }) => {
    const filter = new DigestFilter(10)
    assert.throws(() => filter.add('abc'), /64 lowercase hex/)
    assert.throws(() => filter.mightContain(digest().toUpperCase()), /64 lowercase hex/)
    assert.throws(() => new DigestFilter(0), /capacity must be a whole number/)
    assert.throws(() => new DigestFilter(1.5), /capacity must be a whole number/)
  })
})
