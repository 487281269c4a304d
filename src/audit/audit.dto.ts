import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const TYPES = /^[A-Za-z][A-Za-z0-9._-]{0,99}(,[A-Za-z][A-Za-z0-9._-]{0,99}){0,49}$/;
const STREAM = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/;

export class EventsQuery {
  /** exclusive global position (the `next` of the previous page) */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after?: number;
  /** a page's size (JSON, default 100, at most 1000); with ndjson, a cap on the whole stream (default: no cap) */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000_000) limit?: number;
  /** one event type or several, comma-separated */
  @IsOptional() @IsString() @Matches(TYPES, { message: 'type must be event types separated by commas' }) type?: string;
  @IsOptional() @IsString() @Matches(STREAM, { message: 'stream must be a stream id' }) stream?: string;
  /** recorded at or after */
  @IsOptional() @IsDateString({ strict: true }) from?: string;
  /** recorded at or before */
  @IsOptional() @IsDateString({ strict: true }) to?: string;
}

export class StreamEventsQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) fromVersion?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class VerifyQuery {
  @IsOptional() @IsString() @MaxLength(200) @Matches(STREAM, { message: 'stream must be a stream id' }) stream?: string;
}
