# shellcheck shell=dash
# The differential fuzzer (tests/guest/bin/vfio_diff_fuzz.c): the same random programs over the
# user interface (groups, container, iommufd, cdev binds with and without tokens, every device
# ioctl, config space reads) against C vfio-pci and then the Rust driver, each from a fresh
# load and bind with the PF, two VFs and a plain NIC on vfio-pci. Every program's result hash
# must be the same; the first program that differs is replayed on both drivers with its calls
# printed, and the two traces are shown side by side. No kernel report for either driver.
# Sizes from the kernel command line: rig.seed (first program), rig.programs, rig.calls.
# A corpus (/ref/corpus: programs as lists of operation words, tests/guest/fuzz-corpus.txt or
# the long run's) is replayed on both drivers the same way. rig.guided=N (a KCOV kernel): first
# N programs mutated from the corpus on the Rust driver, coverage-guided; those that reach new
# code of vfio_pci or vfio_pci_core join the corpus (printed as "CORPUS ..." lines for the host
# to keep), and the coverage (functions and PCs of both modules) is reported; then the corpus
# distilled ("DISTILLED ..." lines: the programs that add coverage, shortest first).
# rig.racers=N: then N programs per driver with racers (vfio_diff_fuzz -r: sysfs writes that
# take the devices away and back while the programs run), where only a sound kernel is checked.
# The VF token lines are compared too, for the whole run: which call sites logged (the message,
# and whether for the PF, a VF or the plain NIC), and how many refusals were logged or counted
# as suppressed. Whether one refusal prints depends on when it comes (10 lines per site per
# 5 s), their sum does not; at the end of a run, once every window has closed, one refusal per
# site the programs reach prints the counts still pending ("N callbacks suppressed").
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check_rig
F=/selftests/vfio_diff_fuzz T=/selftests/vf_token_tool
SEED=$(arg seed 1) PROGRAMS=$(arg programs 100) CALLS=$(arg calls 200) RACERS=$(arg racers 0)
GUIDED=$(arg guided 0)
CORPUS=/tmp/corpus
if [ -s /ref/corpus ]; then cp /ref/corpus $CORPUS; else : > $CORPUS; fi
corpus_size() { grep -c '^[0-9a-f]' $CORPUS; }
SPLAT='WARNING:|BUG:|Oops|KASAN:|UBSAN:|ODEBUG:|general protection fault|suspicious RCU usage|blocked for more than'

# up RUN: the driver of RUN loaded, PF and PLAIN bound, two VFs (bound by the driver itself).
# The fuzzer reloads the driver from its file (VFIO_FUZZ_MODULE) now and then.
up() {
	if [ "$1" = c ]; then VFIO_FUZZ_MODULE=$MODDIR/vfio-pci.ko; else VFIO_FUZZ_MODULE=/rs/vfio_pci.ko; fi
	export VFIO_FUZZ_MODULE
	if [ "$1" = c ]; then load_c_vfio_pci enable_sriov=1; else load_rs_vfio_pci enable_sriov=1; fi &&
		bind_to $PF vfio-pci && bind_to $PLAIN vfio-pci &&
		echo 2 > $D/$PF/sriov_numvfs && [ "$(driver_of "$(vf_of $PF 1)")" = vfio-pci ]
}
down() {
	echo 0 > $D/$PF/sriov_numvfs
	echo $PF > $VFIO_PCI/unbind
	echo $PLAIN > $VFIO_PCI/unbind
	rmmod vfio_pci
}
# fuzz RUN ARGS...: the fuzzer on the rig's devices, its output in /tmp/fuzz.RUN; stopped
# after an hour plus a tenth of a second per call asked for (a hang, not a slow guest).
LIMIT=$((3600 + (PROGRAMS * CALLS + GUIDED * 200) / 10))
fuzz() {
	r=$1; shift
	run_timed $LIMIT $F "$@" $PF "$(vf_of $PF 0)" "$(vf_of $PF 1)" $PLAIN > /tmp/fuzz."$r" 2>&1
}
# flush: the PF's token set (no VF is open after a program), then, once every window has
# closed, a refusal at each call site the programs reach; prints each step's result.
flush() {
	v=$(vf_of $PF 0)
	$T open:$PF:$U1 settle:difffuzz-flush open:"$v" open:"$v":$U2 open:"$v":$U1 open:$PF open:$PF:$U2 \
		open:$PLAIN:$U1 | grep -e '->'
}
# tally: from a run's kernel log, the call sites that logged before the flush ("site") and
# the refusals logged or suppressed in all ("refusals"), then the lines and the suppressed
# counts apart (a comment: they depend on timing).
tally() {
	awk -v pf=$PF -v plain=$PLAIN '
		/difffuzz-flush: waiting/ { flushed = 1; next }
		/ vfio_pci_core_match_token_uuid: [0-9]+ callbacks suppressed/ {
			for (i = 1; i < NF; i++) if ($(i + 1) == "callbacks") s += $i
			next
		}
		# The ids= lines of the fuzzer'"'"'s reloads: the same for both drivers.
		match($0, /vfio_pci: (add \[|invalid id string).*$/) { ids[substr($0, RSTART)]++; next }
		match($0, /(VF token required to access device|Incorrect VF token provided for device|VF token incorrectly provided, (PF not bound to vfio-pci|not a PF or VF))$/) {
			n = split(substr($0, 1, RSTART - 1), w, " "); dev = w[n]; sub(/:$/, "", dev)
			kind = dev == pf ? "PF" : dev == plain ? "plain NIC" : "VF"
			if (!flushed) site[kind ": " substr($0, RSTART)] = 1
			lines++
		}
		END {
			for (k in site) print "site " k
			for (k in ids) print "ids " ids[k] " " k
			print "refusals " lines + s
			print "# " lines + 0 " lines, " s + 0 " suppressed"
		}' | sort
}
# no_report NAME RUN: no kernel report in RUN's log.
no_report() {
	if grep -qE "$SPLAT" /tmp/dmesg."$2"; then
		grep -E -A12 "$SPLAT" /tmp/dmesg."$2" | head -n 40 | sed 's/^/# /'
		bad "$1: no kernel report under the fuzzer"
	else
		ok "$1: no kernel report under the fuzzer"
	fi
}

# The coverage-guided run, on the Rust driver.
if [ "$GUIDED" -gt 0 ]; then
	dmesg -c > /dev/null
	if up rs; then
		t0=$(date +%s)
		# Its coverage lines (every 60 s) come on stderr too: on the console as they come.
		run_timed $LIMIT $F -g $CORPUS "$SEED" "$GUIDED" $PF "$(vf_of $PF 0)" "$(vf_of $PF 1)" $PLAIN \
			> /tmp/fuzz.guided
		rc=$?
		grep '^CORPUS ' /tmp/fuzz.guided
		grep -E '^(fn|initpc) ' /tmp/fuzz.guided | sed 's/^/# /'  # for scripts/fuzz-coverage.py
		new=$(grep -c '^CORPUS ' /tmp/fuzz.guided)
		sed -n 's/^CORPUS //p' /tmp/fuzz.guided >> $CORPUS
		echo "# guided: $GUIDED programs in $(( $(date +%s) - t0 )) s, $new new in the corpus"
		check "Rust: $GUIDED coverage-guided programs ran to their end" [ "$rc" = 0 ]
		# The corpus distilled (the programs that add coverage, shortest first), for the
		# host to offer as the repository's seed corpus.
		fuzz distill -d $CORPUS
		sed -n 's/^CORPUS /DISTILLED /p' /tmp/fuzz.distill
		echo "# distilled: $(grep -c '^CORPUS ' /tmp/fuzz.distill) of $(corpus_size) programs, $(grep '^cov ' /tmp/fuzz.distill | tr '\n' ' ')"
		down
		dmesg > /tmp/dmesg.guided
		no_report "Rust, coverage-guided" guided
	else
		bad "Rust: driver loads for the coverage-guided run"
		down
	fi
fi

for run in c rs; do
	name=C; [ $run = rs ] && name=Rust
	dmesg -c > /dev/null  # busybox has no -C
	if ! up $run; then bad "$name: driver loads, PF, VFs and plain NIC bound"; down; continue; fi
	t0=$(date +%s)
	fuzz $run "$SEED" "$PROGRAMS" "$CALLS"
	rc=$?
	echo "# $name: $(grep "^fuzz:" /tmp/fuzz.$run) in $(( $(date +%s) - t0 )) s"
	check "$name: $PROGRAMS programs of $CALLS calls ran to their end" [ "$rc" = 0 ]
	if [ "$(corpus_size)" -gt 0 ]; then
		t0=$(date +%s)
		fuzz corpus.$run -p $CORPUS
		rc=$?
		echo "# $name, corpus: $(grep '^fuzz:' /tmp/fuzz.corpus.$run) in $(( $(date +%s) - t0 )) s"
		check "$name: the corpus's $(corpus_size) programs ran to their end" [ "$rc" = 0 ]
	fi
	flush > /tmp/flush.$run 2>&1
	down
	dmesg > /tmp/dmesg.$run
	no_report "$name" $run
	{ tally < /tmp/dmesg.$run; cat /tmp/flush.$run; } > /tmp/tally.$run
done

# differs FILE: the program of FILE (a corpus line) gives C and Rust different results.
differs() {
	for run in c rs; do
		up $run && fuzz try.$run -p "$1"
		down
	done
	[ "$(grep '^P ' /tmp/fuzz.try.c)" != "$(grep '^P ' /tmp/fuzz.try.rs)" ]
}
# minimise FILE: the program of FILE made shorter, one word left out at a time while C and
# Rust still differ (each try a load and bind of both drivers: at most 64 tries); printed as
# "MINIMISED NAME WORD..." for the host to keep (scripts/fuzz-vm.sh), and left in FILE.
minimise() {
	i=2 tries=0
	while [ "$i" -le "$(awk '{ print NF }' "$1")" ] && [ $tries -lt 64 ]; do
		awk -v i="$i" '{ $i = ""; print }' "$1" | tr -s ' ' > /tmp/try.prog
		tries=$((tries + 1))
		if differs /tmp/try.prog; then cp /tmp/try.prog "$1"; else i=$((i + 1)); fi
	done
	sed 's/^/MINIMISED /' "$1"
	echo "# minimised in $tries tries to $(($(awk '{ print NF }' "$1") - 1)) operations"
}

# compare KIND WHAT: the result hashes of /tmp/fuzz.KIND{c,rs} program by program; the first
# program that differs (or that one driver did not finish) is minimised and replayed with its
# calls printed on both drivers.
compare() {
	grep '^P ' /tmp/fuzz."$1"c > /tmp/hashes.c
	grep '^P ' /tmp/fuzz."$1"rs > /tmp/hashes.rs
	first=$(paste -d' ' /tmp/hashes.c /tmp/hashes.rs | awk '$3 != $6 { print $2; exit }')
	same=$(paste -d' ' /tmp/hashes.c /tmp/hashes.rs | awk '$2 == $5 && $3 == $6' | wc -l)
	total=$(wc -l < /tmp/hashes.c)
	if [ -s /tmp/hashes.c ] && [ -z "$first" ] && cmp -s /tmp/hashes.c /tmp/hashes.rs; then
		ok "differential fuzz: $same of $total programs identical ($2)"
		return
	fi
	if [ "$1" = corpus. ]; then
		grep "^${first:-none} " $CORPUS > /tmp/one.prog
	else
		up c && fuzz words -v "${first:-$SEED}" 1 "$CALLS"
		down
		sed -n 's/^words //p' /tmp/fuzz.words > /tmp/one.prog
	fi
	[ -s /tmp/one.prog ] && minimise /tmp/one.prog
	for run in c rs; do
		up $run && fuzz "replay.$run" -v -p /tmp/one.prog
		down
	done
	diff /tmp/fuzz.replay.c /tmp/fuzz.replay.rs | head -n 40 | sed 's/^/# /'
	what=seed; [ "$1" = corpus. ] && what=program
	bad "differential fuzz: $same of $total programs identical ($2), first differing $what ${first:-none}"
}
compare "" "seeds $SEED..$((SEED + PROGRAMS - 1))"
[ "$(corpus_size)" -gt 0 ] && compare corpus. "the corpus"

sed 's/^#* */# C: /' /tmp/tally.c
grep -v '^#' /tmp/tally.c > /tmp/tally.c.cmp
grep -v '^#' /tmp/tally.rs > /tmp/tally.rs.cmp
if [ -s /tmp/tally.c.cmp ] && cmp -s /tmp/tally.c.cmp /tmp/tally.rs.cmp; then
	ok "differential fuzz: the VF token lines: the same $(grep -c '^site ' /tmp/tally.c.cmp) call sites, $(sed -n 's/^refusals //p' /tmp/tally.c.cmp) refusals logged or suppressed; the reloads' $(grep -c '^ids ' /tmp/tally.c.cmp) ids= lines"
else
	diff /tmp/tally.c /tmp/tally.rs | sed 's/^/# /'
	bad "differential fuzz: the VF token lines: the same call sites and refusals logged or suppressed; the reloads' ids= lines"
fi

for run in c rs; do
	[ "$RACERS" -gt 0 ] || break
	name=C; [ $run = rs ] && name=Rust
	dmesg -c > /dev/null  # busybox has no -C
	if ! up $run; then bad "$name: driver loads for the racers"; down; continue; fi
	fuzz race.$run -r "$SEED" "$RACERS" "$CALLS"
	rc=$?
	echo "# $name with racers: $(grep '^racers:' /tmp/fuzz.race.$run)"
	check "$name: $RACERS programs of $CALLS calls with sysfs racers ran to their end" [ "$rc" = 0 ]
	down 2>/dev/null
	dmesg > /tmp/dmesg.race.$run
	no_report "$name with racers" race.$run
done
verdict
