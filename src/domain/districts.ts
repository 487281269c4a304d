/** A district (区县) of the campaign's city, by its administrative division code. */
export interface District {
  code: string;
  name: string;
}
