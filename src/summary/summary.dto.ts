import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class NarrativeDto {
  @IsOptional() @IsString() @MaxLength(50000) problemsFound?: string;
  @IsOptional() @IsString() @MaxLength(50000) causes?: string;
  @IsOptional() @IsString() @MaxLength(50000) measures?: string;
  @IsOptional() @IsString() @MaxLength(50000) other?: string;
}

export class AcceptSummaryDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(4000) comment?: string;
}

export class ReturnSummaryDto {
  @IsString() @IsNotEmpty() @MaxLength(4000) reason: string;
}

export class PublishBulletinDto {
  @IsString() @IsNotEmpty() @MaxLength(200) title: string;
}

export class BulletinQuery {
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @IsOptional() @IsIn(['districts', 'cases']) table?: 'districts' | 'cases';
}

export class SubmitSummaryDto {
  /** the id of the uploaded report document (POST /api/v1/files) */
  @IsOptional() @IsUUID() report?: string;
}
