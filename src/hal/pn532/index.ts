/** The PN532 driver's public surface: what a board's composition needs and no more. */
export { Pn532, EXCHANGE_DATA_MAX, type Pn532Options, type CommandOptions, type ExchangeResult, type Pn532Stats } from './pn532.js';
export { Pn532CardReader, type Pn532ReaderOptions } from './card-reader.js';
export { Pn532HsuLink, HSU_DEFAULT_BAUD, HSU_WAKEUP, type HsuLinkOptions } from './hsu-link.js';
export { Pn532I2cLink, PN532_I2C_ADDRESS, type I2cLinkOptions } from './i2c-link.js';
export { Pn532SpiLink, type SpiLinkOptions } from './spi-link.js';
export type { Pn532Link } from './link.js';
export { AUTOPOLL, CMD, PARAM, WAKE, type FirmwareVersion, type Target, type TargetA, type TargetB } from './commands.js';
export * from './errors.js';
