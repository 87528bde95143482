/*
| Edge globals every view may use: numbers, money and dates written one way
| (core/services/formatting.ts).
*/
import edge from 'edge.js'
import { formatDate, formatDateTime, formatMoney, formatNumber } from '#core/services/formatting'

edge.global('formatNumber', formatNumber)
edge.global('formatMoney', formatMoney)
edge.global('formatDate', formatDate)
edge.global('formatDateTime', formatDateTime)
