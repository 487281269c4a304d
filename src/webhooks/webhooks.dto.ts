import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CODE, CODE_MSG } from '../shared/patterns';
import { EVENT_TYPE_PATTERN } from './delivery-policy';

const TYPE_MSG = { each: true, message: 'eventTypes must be event types or wildcards such as * or inspection.*' };

export class CreateWebhookDto {
  @IsString() @MaxLength(2000) url!: string;
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(EVENT_TYPE_PATTERN, TYPE_MSG)
  eventTypes?: string[];
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(CODE, { ...CODE_MSG, each: true })
  districts?: string[];
  @IsOptional() @IsString() @MaxLength(500) description?: string;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateWebhookDto {
  @IsOptional() @IsString() @MaxLength(2000) url?: string;
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(EVENT_TYPE_PATTERN, TYPE_MSG)
  eventTypes?: string[];
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(CODE, { ...CODE_MSG, each: true })
  districts?: string[];
  @IsOptional() @IsString() @MaxLength(500) description?: string;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

export class RotateSecretDto {
  /** how long the previous secret keeps signing (both signatures are sent meanwhile) */
  @IsOptional() @IsInt() @Min(0) @Max(168) graceHours?: number;
}

export class DeliveriesQuery {
  @IsOptional() @IsIn(['pending', 'delivered', 'failed', 'cancelled']) status?: string;
  /** global position cursor (exclusive) */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

/** A range of the log to send again to one subscription: positions and/or recording times. */
export class ReplayDto {
  /** exclusive global position */
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after?: number;
  /** inclusive global position */
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) through?: number;
  @IsOptional() @IsDateString({ strict: true }) from?: string;
  @IsOptional() @IsDateString({ strict: true }) to?: string;
  /** at most this many events (default and limit 100000) */
  @IsOptional() @IsInt() @Min(1) @Max(100000) limit?: number;
}
