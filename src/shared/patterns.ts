/** The formats the API's identifiers and dates take, in one place (validators, deciders and params share them). */

/** A calendar day (Asia/Shanghai): the shape only; `isCalendarDate` checks it exists. */
export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const DATE_MSG = { message: '$property must be a date YYYY-MM-DD (Asia/Shanghai calendar day)' };

/** A GB/T 2260 code, or a product code for zones without one (CQ-LJXQ). */
export const CODE = /^[0-9A-Za-z][0-9A-Za-z-]{1,31}$/;
export const CODE_MSG = { message: '$property must be a GB/T 2260 code or a product code (letters, digits, -)' };

/** A deadline key: kebab-case. */
export const KEY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A checklist template id (CQ2022-TI) and an item code (CQ2022-TI-01). */
export const TEMPLATE_ID = /^[A-Z][A-Z0-9]*-[A-Z]{2}$/;
export const TEMPLATE_MSG = { message: '$property must be a template id such as CQ2022-TI' };
export const ITEM_CODE = /^[A-Z][A-Z0-9]*-[A-Z]{2}-\d{2}$/;
export const ITEM_MSG = { message: '$property must be an item code such as CQ2022-TI-01' };
