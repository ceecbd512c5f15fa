import { ValidationError } from '../errors.js';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(s: unknown): s is Language {
  return typeof s === 'string' && (LANGUAGES as readonly string[]).includes(s);
}

export function parseLanguage(s: string): Language {
  if (!isLanguage(s)) throw new ValidationError(`--lang must be ${LANGUAGES.join(' or ')}, not '${s}'`);
  return s;
}

/**
 * Every text the terminal shows, in each language. Screens are 16 cells wide on the
 * 128x64 OLED (a Chinese character takes two): each text is written to fit one line.
 * {name} marks a value filled in at run time.
 */
const zh = {
  'idle.prompt': '输入金额开始消费',
  'sale.title': '消费',
  'amount.label': '请输入金额:',
  'amount.hint': '按确认键继续',
  'amount.zero': '请输入金额',
  'amount.tooLarge': '超过最大金额',
  'amount.max': '最大 {amount}',
  'card.present': '请挥卡/插卡/刷卡',
  'card.cancelHint': '按取消键退出',
  'card.noReader': '读卡器未连接',
  'sale.processing': '处理中 请稍候',
  'sale.online': '联机处理中',
  'sale.approved': '交易成功',
  'sale.authCode': '授权码 {code}',
  'sale.declined': '交易拒绝 {code}',
  'sale.noResponse': '主机无应答',
  'sale.reversed': '交易已冲正',
  'sale.reversalPending': '冲正待发送',
  'sale.notSent': '主机连接失败',
  'sale.cardError': '读卡失败 请重试',
  'sale.cardRemoved': '卡片已移开',
  'sale.otherInterface': '请插卡或刷卡',
  'sale.notAccepted': '此卡不受理',
  'sale.noKeys': '密钥未安装',
  'sale.printing': '正在打印',
  'sale.noReceipt': '凭证打印失败',
  'sale.removeCard': '请取出卡片',
  'sale.swipeAgain': '请重新刷卡',
  'sale.useChip': '请插卡或挥卡',
  'sale.declinedByCard': '卡片拒绝交易',
  'sale.tearOff': '请撕下商户联',
  'sale.customerCopy': '确认键打印客户联',
  'card.read': '读卡成功',
  'card.nextSoon': '联机功能即将提供',
  'flow.timeout': '操作超时',
  'flow.cancelled': '交易已取消',
  'flow.deviceError': '设备故障',
  'menu.title': '主菜单',
  'menu.sale': '消费',
  'menu.void': '撤销',
  'menu.refund': '退货',
  'menu.settle': '结算',
  'menu.reprint': '重打印',
  'menu.reports': '交易查询',
  'menu.operators': '操作员管理',
  'menu.diagnostics': '诊断',
  'menu.settings': '设置',
  'soon.void': '撤销当前批次消费',
  'soon.refund': '退还已结算的消费',
  'soon.settle': '与主机结算批次',
  'soon.reprint': '重打最后的凭证',
  'soon.reports': '交易明细与汇总',
  'soon.operators': '操作员与密码',
  'soon.diagnostics': '读卡器打印机自检',
  'soon.settings': '商户与终端参数',
  'soon.notYet': '功能即将提供',
  'soon.back': '按任意键返回',
  'pin.title': '请输入密码',
  'pin.hint': '输完按确认键',
  'pin.bypassHint': '无密码直接按确认',
  'pin.tooShort': '密码须为4至12位',
  'pin.required': '请输入密码',
  'pin.retry': '密码错误 请重输',
  'pin.lastTry': '最后一次机会',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'idle.prompt': 'Key amount: SALE',
  'sale.title': 'SALE',
  'amount.label': 'Amount:',
  'amount.hint': 'ENTER to go on',
  'amount.zero': 'Enter an amount',
  'amount.tooLarge': 'Over the maximum',
  'amount.max': 'Max {amount}',
  'card.present': 'Tap/insert/swipe',
  'card.cancelHint': 'CANCEL to quit',
  'card.noReader': 'No card reader',
  'sale.processing': 'Processing...',
  'sale.online': 'Going online...',
  'sale.approved': 'APPROVED',
  'sale.authCode': 'Auth code {code}',
  'sale.declined': 'DECLINED {code}',
  'sale.noResponse': 'No host answer',
  'sale.reversed': 'Sale reversed',
  'sale.reversalPending': 'Reversal pending',
  'sale.notSent': 'Host unreachable',
  'sale.cardError': 'Read failed',
  'sale.cardRemoved': 'Card removed',
  'sale.otherInterface': 'Insert or swipe',
  'sale.notAccepted': 'Not accepted',
  'sale.noKeys': 'Keys not loaded',
  'sale.printing': 'Printing...',
  'sale.noReceipt': 'No receipt',
  'sale.removeCard': 'Remove the card',
  'sale.swipeAgain': 'Swipe again',
  'sale.useChip': 'Insert or tap',
  'sale.declinedByCard': 'Card declined',
  'sale.tearOff': 'Tear off copy',
  'sale.customerCopy': 'ENTER: customer',
  'card.read': 'Card read',
  'card.nextSoon': 'Online: not yet',
  'flow.timeout': 'Timed out',
  'flow.cancelled': 'Cancelled',
  'flow.deviceError': 'Device fault',
  'menu.title': 'MENU',
  'menu.sale': 'Sale',
  'menu.void': 'Void',
  'menu.refund': 'Refund',
  'menu.settle': 'Settlement',
  'menu.reprint': 'Reprint',
  'menu.reports': 'Reports',
  'menu.operators': 'Operators',
  'menu.diagnostics': 'Diagnostics',
  'menu.settings': 'Settings',
  'soon.void': 'Cancels a sale',
  'soon.refund': 'Refunds a sale',
  'soon.settle': 'Closes the batch',
  'soon.reprint': 'Prints again',
  'soon.reports': 'Lists and totals',
  'soon.operators': 'Cashier logins',
  'soon.diagnostics': 'Tests devices',
  'soon.settings': 'Terminal set-up',
  'soon.notYet': 'Not yet built',
  'soon.back': 'Any key: back',
  'pin.title': 'Enter PIN',
  'pin.hint': 'ENTER when done',
  'pin.bypassHint': 'No PIN: ENTER',
  'pin.tooShort': 'PIN: 4-12 digits',
  'pin.required': 'PIN required',
  'pin.retry': 'Wrong PIN, again',
  'pin.lastTry': 'Last PIN try',
};

const tables: Record<Language, Record<MessageKey, string>> = { 'zh-CN': zh, en };

/** The text of `key` in `lang`, with {name} placeholders filled from `params`. */
export function t(lang: Language, key: MessageKey, params: Record<string, string> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`);
}

/** For tests and the glyph generator: every text of a language. */
export function allTexts(lang: Language): readonly string[] {
  return Object.values(tables[lang]);
}
