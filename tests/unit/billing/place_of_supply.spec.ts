import { test } from '@japa/runner'
import { gstStateCodeOf } from '#core/services/gst_states'
import { placeOfSupplyOf } from '#billing/services/place_of_supply'

test.group('Place of supply', () => {
  test('a registered org’s is its GSTIN’s state, whatever its address says', ({ assert }) => {
    assert.equal(placeOfSupplyOf({ gstin: '27AAPFU0939F1ZV', state: 'Karnataka' }), '27')
  })

  test('an unregistered org’s is the state of its address, in any case or older spelling; unknown is null', ({
    assert,
  }) => {
    assert.equal(placeOfSupplyOf({ gstin: null, state: 'tamil nadu' }), '33')
    assert.equal(placeOfSupplyOf({ gstin: null, state: 'ORISSA' }), '21')
    assert.equal(gstStateCodeOf('Jammu & Kashmir'), '01')
    assert.equal(gstStateCodeOf('Andaman & Nicobar Islands'), '35')
    assert.equal(gstStateCodeOf('Pondicherry'), '34')
    assert.equal(gstStateCodeOf('Andhra Pradesh'), '37')
    assert.isNull(placeOfSupplyOf({ gstin: null, state: 'Atlantis' }))
    assert.isNull(placeOfSupplyOf({ gstin: null, state: null }))
    // A GSTIN that fails its checksum is not trusted for the state.
    assert.equal(placeOfSupplyOf({ gstin: '27AAPFU0939F1ZA', state: 'Kerala' }), '32')
  })
})
