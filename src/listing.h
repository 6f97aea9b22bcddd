/* SQL fragments shared by the listing modes (-l, -e, -S). */
#ifndef GENFIC_LISTING_H
#define GENFIC_LISTING_H

/* Each fragment reads ?1 as "now" (seconds since the epoch). */
#define LIST_STATUS \
	"CASE WHEN cert.revoked_at IS NOT NULL THEN " \
	"CASE cert.reason WHEN 6 THEN 'hold' ELSE 'revoked' END " \
	"WHEN cert.not_after <= ?1 THEN 'expired' ELSE 'valid' END"
#define LIST_REASON \
	"CASE cert.reason WHEN 0 THEN 'unspecified' WHEN 1 THEN " \
	"'keyCompromise' WHEN 2 THEN 'cACompromise' WHEN 3 THEN " \
	"'affiliationChanged' WHEN 4 THEN 'superseded' WHEN 5 THEN " \
	"'cessationOfOperation' WHEN 6 THEN 'certificateHold' WHEN 9 THEN " \
	"'privilegeWithdrawn' WHEN 10 THEN 'aACompromise' END"
#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"
#define LIST_JSON_FIELDS \
	"'kind', 'cert', 'ca', ca.name, 'serial', hex(cert.serial), " \
	"'status', " LIST_STATUS ", 'not_before', " ISO("cert.not_before") \
	", 'not_after', " ISO("cert.not_after") ", 'days_left', " \
	"CAST((cert.not_after - ?1) / 86400 AS INTEGER), 'subject', " \
	"cert.subject, 'san', json(coalesce(cert.san, '[]')), 'hash', " \
	"cert.subject_hash, 'sha256', lower(hex(cert.fingerprint)), 'label', " \
	"cert.label, 'template', cert.template, 'is_ca', " \
	"json(CASE cert.is_ca WHEN 1 THEN 'true' ELSE 'false' END), " \
	"'revoked_at', " ISO("cert.revoked_at") ", 'reason', " LIST_REASON \
	", 'invalidity_date', " ISO("cert.invalidity")
#define LIST_JSON	"json_object(" LIST_JSON_FIELDS ")"
#endif
