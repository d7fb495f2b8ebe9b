-- No stored row fingerprint (issue 16). `row_hash` was written with every row and read by
-- nothing: an import tells unchanged rows from replaced ones by comparing the values themselves
-- (sinkview/ingest/importer.py, commit_validation). Computing it, staging it and storing it cost
-- 0.2 s of a 1M-row import.

alter table institutions drop column row_hash;
alter table institutions_replaced drop column row_hash;
alter table expert_rotations drop column row_hash;
alter table expert_rotations_replaced drop column row_hash;
alter table referrals drop column row_hash;
alter table referrals_replaced drop column row_hash;
alter table staff_movements drop column row_hash;
alter table staff_movements_replaced drop column row_hash;
alter table village_coverage drop column row_hash;
alter table village_coverage_replaced drop column row_hash;
alter table service_volume drop column row_hash;
alter table service_volume_replaced drop column row_hash;
alter table party_organisations drop column row_hash;
alter table party_organisations_replaced drop column row_hash;
alter table party_activities drop column row_hash;
alter table party_activities_replaced drop column row_hash;
