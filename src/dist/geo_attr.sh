# geo_attr.sh: helpers for OCF resource agents that publish a geo attribute with
# geostore (booth-rs, surface.md §6.4). Source it after ocf-shellfuncs:
#
#   . ${OCF_ROOT}/lib/booth/geo_attr.sh
#
# Parameters (OCF_RESKEY_*):
#   booth_ticket   the ticket whose attr-prereq names the attribute (required)
#   booth_config   booth configuration name or file (default /etc/booth/booth.conf)
#   geo_attribute  which attribute, when the ticket has several `attr-prereq = auto
#                  <name> eq <value>` lines (default: the first one)
#
# The attribute is the one an automatic election checks (attr-prereq = auto NAME eq
# VALUE): geo_attr_geo_attr 1 sets NAME=VALUE on the other site, geo_attr_geo_attr 0
# deletes it there, so that site may take the ticket only while this resource runs.
# An agent can redefine get_site_name to choose the site (default: "other").

: "${OCF_RESKEY_booth_config:=/etc/booth/booth.conf}"

geo_attr_meta_data() {
	cat <<END
<parameter name="booth_ticket" unique="0" required="1">
<longdesc lang="en">
The booth ticket whose "attr-prereq = auto NAME eq VALUE" line names the attribute.
</longdesc>
<shortdesc lang="en">booth ticket</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="booth_config" unique="0" required="0">
<longdesc lang="en">
The booth configuration name or file.
</longdesc>
<shortdesc lang="en">booth configuration</shortdesc>
<content type="string" default="/etc/booth/booth.conf" />
</parameter>
<parameter name="geo_attribute" unique="0" required="0">
<longdesc lang="en">
The attribute to manage when the ticket has several attr-prereq lines (default: the first).
</longdesc>
<shortdesc lang="en">geo attribute name</shortdesc>
<content type="string" default="" />
</parameter>
END
}

# The configuration file boothd reads for booth_config (a name means /etc/booth/NAME.conf).
geo_attr_conf_file() {
	case $OCF_RESKEY_booth_config in
	*/*) echo "$OCF_RESKEY_booth_config" ;;
	*.*) echo "/etc/booth/$OCF_RESKEY_booth_config" ;;
	*) echo "/etc/booth/$OCF_RESKEY_booth_config.conf" ;;
	esac
}

# Prints "NAME VALUE" of the ticket's attr-prereq = auto NAME eq VALUE line.
geo_attr_get_attr() {
	awk -v want_ticket="$OCF_RESKEY_booth_ticket" -v want_attr="$OCF_RESKEY_geo_attribute" '
	function unquote(s) { gsub(/^[ \t]*["\047]?|["\047]?[ \t]*$/, "", s); return s }
	/^[ \t]*#/ { next }
	{
		eq = index($0, "=")
		if (eq == 0) next
		key = unquote(substr($0, 1, eq - 1))
		val = unquote(substr($0, eq + 1))
	}
	key == "ticket" { in_ticket = (val == want_ticket); next }
	in_ticket && key == "attr-prereq" {
		n = split(val, f, /[ \t]+/)
		if (n >= 4 && f[1] == "auto" && f[3] == "eq" && (want_attr == "" || f[2] == want_attr)) {
			print f[2], f[4]
			exit
		}
	}' "$(geo_attr_conf_file)"
}

get_site_name() {
	echo other
}

# geo_attr_geo_attr 1: set the attribute on the other site; 0: delete it there.
geo_attr_geo_attr() {
	set -- "$1" $(geo_attr_get_attr)
	if [ -z "$2" ]; then
		ocf_log err "ticket $OCF_RESKEY_booth_ticket has no attr-prereq = auto NAME eq VALUE line"
		return "$OCF_ERR_CONFIGURED"
	fi
	if [ "$1" = 1 ]; then
		geostore set -c "$OCF_RESKEY_booth_config" -t "$OCF_RESKEY_booth_ticket" \
			-s "$(get_site_name)" "$2" "$3"
	else
		geostore delete -c "$OCF_RESKEY_booth_config" -t "$OCF_RESKEY_booth_ticket" \
			-s "$(get_site_name)" "$2"
	fi
}

# Prints the attribute's current value on the other site.
geo_attr_read_attr() {
	set -- $(geo_attr_get_attr)
	[ -n "$1" ] || return 1
	geostore get -c "$OCF_RESKEY_booth_config" -t "$OCF_RESKEY_booth_ticket" \
		-s "$(get_site_name)" "$1"
}

geo_attr_validate_all() {
	if [ -z "$OCF_RESKEY_booth_ticket" ]; then
		ocf_log err "booth_ticket is not set"
		return "$OCF_ERR_CONFIGURED"
	fi
	if [ ! -f "$(geo_attr_conf_file)" ]; then
		ocf_log err "$(geo_attr_conf_file) does not exist"
		return "$OCF_ERR_INSTALLED"
	fi
	if [ -z "$(geo_attr_get_attr)" ]; then
		ocf_log err "ticket $OCF_RESKEY_booth_ticket has no attr-prereq = auto NAME eq VALUE line in $(geo_attr_conf_file)"
		return "$OCF_ERR_CONFIGURED"
	fi
	return 0
}
