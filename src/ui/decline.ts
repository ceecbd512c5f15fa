import type { Language } from './messages.js';

/**
 * What a decline means, for the cardholder, by ISO 8583 response code (docs/host-spec.md
 * 6.8), in the terminal's languages and short enough for two lines of the display. A code
 * not listed shows the host's own words.
 */
const TEXTS: Record<string, [zh: string, en: string]> = {
  '01': ['请联系发卡行', 'Call your bank'],
  '03': ['无效商户', 'Invalid merchant'],
  '05': ['发卡行拒绝', 'Do not honour'],
  '12': ['无效交易', 'Invalid transaction'],
  '13': ['无效金额', 'Invalid amount'],
  '14': ['无效卡号', 'Invalid card number'],
  '25': ['找不到原交易', 'Original not found'],
  '30': ['报文格式错误', 'Format error'],
  '51': ['余额不足', 'Insufficient funds'],
  '54': ['卡片已过期', 'Expired card'],
  '55': ['密码错误', 'Incorrect PIN'],
  '57': ['不允许此交易', 'Not permitted'],
  '58': ['终端不允许此交易', 'Not permitted here'],
  '61': ['超出金额限制', 'Over the limit'],
  '62': ['受限制的卡', 'Restricted card'],
  '65': ['请插卡交易', 'Insert the card'],
  '75': ['密码错误次数超限', 'PIN tries exceeded'],
  '91': ['发卡行无应答', 'Issuer unavailable'],
  '94': ['重复交易', 'Duplicate'],
  '96': ['系统故障', 'System malfunction'],
  A0: ['请重新签到', 'Sign on again'],
};

export function declineText(lang: Language, code: string, hostText?: string): string {
  const t = TEXTS[code];
  if (t) return lang === 'en' ? t[1] : t[0];
  return hostText ?? (lang === 'en' ? 'Declined' : '交易拒绝');
}
