/**
 * Card responses published by others, each with where it was found. Data only (no SW1 SW2
 * unless the name says so). Real PANs are replaced by public test PANs where noted: the
 * project never stores a full real PAN, not even in a test.
 */

/**
 * SELECT PPSE (2PAY.SYS.DDF01) answer of a Visa Debit card, contactless, read with an Android
 * phone: MichaelsPlayground/TalkToYourCreditCardPart7, docs/"talk DKB m visa credit.html",
 * step 01.
 */
export const VISA_PPSE_FCI =
  '6f3a840e325041592e5359532e4444463031a528bf0c2561234f07a0000000031010500a566973612044656269748701019f0a080001050100000000';

/** SELECT A0000000031010 answer of the same Visa Debit card (same log, step 03): FCI with PDOL. */
export const VISA_SELECT_FCI =
  '6f6f8407a0000000031010a564500a566973612044656269749f120f636f6d6469726563742044656269749f1101018701015f2d046465656e9f38189f66049f02069f03069f1a0295055f2a029a039c019f3704bf0c1a9f0a0800010501000000009f5a053109780276bf6304df200180';

/** The PDOL inside VISA_SELECT_FCI (tag 9F38). */
export const VISA_PDOL = '9f66049f02069f03069f1a0295055f2a029a039c019f3704';

/** GPO command the same log sent (step 05) with the PDOL values it lists in step 04. */
export const VISA_GPO_COMMAND =
  '80a8000023832127000000000000001000000000000000097800000000000978230301003839303100';

/**
 * GPO answer, response message template format 2 (tag 77, long-form length 81 C6), of the
 * same Visa card (step 05). The 8 PAN bytes inside tag 57 are replaced by the Visa test PAN
 * 4761739001010119; every length and every other byte is as published.
 */
export const VISA_GPO_FORMAT2 =
  '7781c682022020940410010300571347617390010101' +
  '19d25072211328662101000f9f100706011203a000009f2608ec1c5779ff2670379f2701809f360200c39f6c0204009f4b8180' +
  '9016903df9bad2d289d580a82ea1cf58d51d7ba234a7df6df83e4d115d93f31e8f98d95abdd8aac65c5b2fbcabaef5f7480fdf27' +
  '4eff4ffdab9e30e775660d4ffbf52629f2c63fdb93eb11cebaca3ac030e883bd864e3d19b8929119fe7d613529c106d0ae7270c4' +
  'b645cc1f45e21c49c37f15f1686d949f367b11a6e731a97a';

/**
 * SELECT PPSE answer of a Debit Mastercard, contactless: MichaelsPlayground/
 * TalkToYourCreditCardPart7, docs/"talk aab m mc debit.html", step 01.
 */
export const MC_PPSE_FCI =
  '6f3c840e325041592e5359532e4444463031a52abf0c2761254f07a000000004101050104465626974204d6173746572436172648701019f0a0400010101';

/** SELECT A0000000041010 answer of the same Mastercard (same log, step 03): no PDOL; 9F6E is Third Party Data. */
export const MC_SELECT_FCI =
  '6f528407a0000000041010a54750104465626974204d6173746572436172649f12104465626974204d6173746572436172648701019f1101015f2d046465656ebf0c119f0a04000101019f6e0702800000303000';

/** GPO answer, format 2 (tag 77), of the same Mastercard to GPO 80A8000002830000 (step 05). */
export const MC_GPO_FORMAT2 = '771282021980940c080101001001010120010200';

/** CDOL1 (tag 8C) of the same Mastercard, from its record SFI 2 record 1 (step 06). */
export const MC_CDOL1 = '9f02069f03069f1a0295055f2a029a039c019f37049f35019f45029f4c089f34039f21039f7c14';

/**
 * A Maestro (PayPass) PPSE answer with a Kernel Identifier (9F2A), from the Stack Overflow
 * question 29541035 "How to interpret the response to SELECT PPSE" (the asker masked part
 * of the AID as C123456789).
 */
export const MAESTRO_PPSE_FCI =
  '6f2c840e325041592e5359532e4444463031a51abf0c1761154f0ca0000000043060c1234567898701039f2a0102';

/**
 * A Visa Electron card's SELECT A0000000032010 answer and its GPO answer in response message
 * template format 1 (tag 80: AIP 1C00 then AFL 08010300 10010100), from the Stack Overflow
 * question 30930774 "How to interpret GPO response without tags 82 and 94".
 */
export const VISA_ELECTRON_SELECT_FCI =
  '6f2c8407a0000000032010a521500d5649534120454c454354524f4e8701015f2d046267656ebf0c059f4d020b0a';
export const VISA_ELECTRON_GPO_FORMAT1 = '800a1c000801030010010100';

/**
 * PSE (1PAY.SYS.DDF01) FCI of the contact interface, EMV Contact Interface Specification
 * v1.0 Annex A4 example, as transcribed in openemv/emv-utils tests/emv_ttl_pcsc_test.c.
 */
export const PSE_FCI_ANNEX_A = '6f24840e315041592e5359532e4444463031a5128801015f2d08656e6573667264659f110101';
