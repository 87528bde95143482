import { test } from '@japa/runner'
import {
  gstinCheckCharacter,
  gstinProblem,
  isGstStateCode,
  isValidGstin,
} from '#core/services/gstin'

test.group('GSTIN', () => {
  test('published GSTINs pass the mod-36 check', ({ assert }) => {
    for (const gstin of [
      '27AAPFU0939F1ZV',
      '29AAGCB7383J1Z4',
      '24AAACC1206D1ZM',
      '09AAACH7409R1ZZ',
    ]) {
      assert.isTrue(isValidGstin(gstin), gstin)
    }
  })

  test('the check character is computed from the first 14 characters', ({ assert }) => {
    assert.equal(gstinCheckCharacter('27AAPFU0939F1Z'), 'V')
    assert.equal(gstinCheckCharacter('29AAGCB7383J1Z'), '4')
  })

  test('a wrong check character is a checksum problem', ({ assert }) => {
    assert.equal(gstinProblem('27AAPFU0939F1ZW'), 'checksum')
    // One changed digit in the PAN part.
    assert.equal(gstinProblem('27AAPFU0938F1ZV'), 'checksum')
  })

  test('the shape is checked before the checksum', ({ assert }) => {
    assert.equal(gstinProblem('27AAPFU0939F1Z'), 'format')
    assert.equal(gstinProblem('27aapfu0939f1zv'), 'format')
    assert.equal(gstinProblem('27AAPFU0939F0ZV'), 'format')
    assert.equal(gstinProblem('27AAPFU0939F1YV'), 'format')
  })

  test('only Indian state codes 01-38, 97 and 99 are accepted', ({ assert }) => {
    assert.isTrue(isGstStateCode('01'))
    assert.isTrue(isGstStateCode('38'))
    assert.isTrue(isGstStateCode('97'))
    assert.isTrue(isGstStateCode('99'))
    assert.isFalse(isGstStateCode('00'))
    assert.isFalse(isGstStateCode('39'))
    assert.isFalse(isGstStateCode('98'))
    const body = 'AAPFU0939F1Z'
    assert.equal(gstinProblem(`40${body}${gstinCheckCharacter(`40${body}`)}`), 'state_code')
  })
})
