import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { CODE, CODE_MSG } from '../shared/patterns';

/** `city`, `district:<code>` or `subject:<uuid>` */
export const PARTY =
  /^(city|district:[0-9A-Za-z][0-9A-Za-z-]{1,31}|subject:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const PARTY_MSG = { message: 'party must be city, district:<code> or subject:<uuid>' };

class PageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
}

export class ListRemindersQuery extends PageQuery {
  @IsOptional() @IsString() @Matches(PARTY, PARTY_MSG) party?: string;
  @IsOptional() @IsIn(['unread', 'read', 'all']) status?: 'unread' | 'read' | 'all';
  @IsOptional() @IsIn(['reminder', 'overdue']) kind?: 'reminder' | 'overdue';
  @IsOptional() @IsUUID() campaignId?: string;
}

export class ListObligationsQuery extends PageQuery {
  @IsOptional() @IsUUID() campaignId?: string;
  @IsOptional() @IsString() @Matches(PARTY, PARTY_MSG) party?: string;
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(['open', 'fulfilled', 'cancelled', 'overdue']) status?: string;
  @IsOptional() @IsIn(['deadline', 'problem', 'order', 'tip']) kind?: string;
}

export class DeclareFulfilmentDto {
  @IsString() @IsNotEmpty() @MaxLength(2000) note: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(500) reference?: string;
}
