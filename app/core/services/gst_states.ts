/**
 * India's states and union territories by their GST state code (the first
 * two digits of a GSTIN), as a tax invoice names the place of supply
 * ("29 – Karnataka"). 25 (Daman and Diu) merged into 26 in 2020 and 28 is
 * the pre-2014 Andhra Pradesh: neither is given to new registrations, but
 * old GSTINs still carry them.
 */
export const GST_STATES: Readonly<Record<string, string>> = {
  '01': 'Jammu and Kashmir',
  '02': 'Himachal Pradesh',
  '03': 'Punjab',
  '04': 'Chandigarh',
  '05': 'Uttarakhand',
  '06': 'Haryana',
  '07': 'Delhi',
  '08': 'Rajasthan',
  '09': 'Uttar Pradesh',
  '10': 'Bihar',
  '11': 'Sikkim',
  '12': 'Arunachal Pradesh',
  '13': 'Nagaland',
  '14': 'Manipur',
  '15': 'Mizoram',
  '16': 'Tripura',
  '17': 'Meghalaya',
  '18': 'Assam',
  '19': 'West Bengal',
  '20': 'Jharkhand',
  '21': 'Odisha',
  '22': 'Chhattisgarh',
  '23': 'Madhya Pradesh',
  '24': 'Gujarat',
  '25': 'Daman and Diu',
  '26': 'Dadra and Nagar Haveli and Daman and Diu',
  '27': 'Maharashtra',
  '28': 'Andhra Pradesh (before 2014)',
  '29': 'Karnataka',
  '30': 'Goa',
  '31': 'Lakshadweep',
  '32': 'Kerala',
  '33': 'Tamil Nadu',
  '34': 'Puducherry',
  '35': 'Andaman and Nicobar Islands',
  '36': 'Telangana',
  '37': 'Andhra Pradesh',
  '38': 'Ladakh',
  '97': 'Other Territory',
}

/** Older or common spellings an address may carry. */
const ALIASES: Readonly<Record<string, string>> = {
  'orissa': '21',
  'pondicherry': '34',
  'new delhi': '07',
  'nct of delhi': '07',
  'jammu kashmir': '01',
  'andaman nicobar': '35',
  'andaman nicobar islands': '35',
  'dadra nagar haveli': '26',
  'andhra pradesh': '37',
}

const key = (name: string) =>
  name
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z]+/g, ' ')
    .replace(/\band\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()

const BY_NAME = new Map<string, string>([
  ...Object.entries(GST_STATES).map(([code, name]) => [key(name), code] as [string, string]),
  ...Object.entries(ALIASES).map(([name, code]) => [key(name), code] as [string, string]),
])

/** The GST state code of a state written in an address ("Tamil Nadu", "ORISSA", "J and K" is not guessed), or null. */
export function gstStateCodeOf(name: string | null | undefined): string | null {
  if (!name) return null
  return BY_NAME.get(key(name)) ?? null
}
