# nfs-toolkit.bash - bash completion for nfsbench, nfstune and nfscap.
# Installed once per program under share/bash-completion/completions/. The
# options come from the program's own --help (per command), so this file
# never falls behind them; only the command names and the values of a few
# options are listed here.

# The long options that "PROG [CMD] --help" lists.
_nfstk_opts()
{
	"$@" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

_nfstk_ifaces()
{
	local d
	for d in /sys/class/net/*; do [ -e "$d" ] && echo "${d##*/}"; done
}

_nfsbench()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} prog=${COMP_WORDS[0]}
	COMPREPLY=()
	case $prev in
	--profile | --trace) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--rw) COMPREPLY=($(compgen -W "read write randread randwrite randrw rw" -- "$cur")); return ;;
	--stable) COMPREPLY=($(compgen -W "unstable data file" -- "$cur")); return ;;
	--nfs-version) COMPREPLY=($(compgen -W "3 4" -- "$cur")); return ;;
	esac
	local cmd=""
	[ "$COMP_CWORD" -gt 1 ] && case ${COMP_WORDS[1]} in trace-dump | pattern) cmd=${COMP_WORDS[1]} ;; esac
	if [ "$cmd" = trace-dump ] && [[ $cur != -* ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	elif [ -n "$cmd" ] || [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_nfstk_opts "$prog" $cmd)" -- "$cur"))
	elif [ "$COMP_CWORD" = 1 ]; then
		COMPREPLY=($(compgen -W "trace-dump pattern $(_nfstk_opts "$prog")" -- "$cur"))
	fi
}

_nfscap()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} prog=${COMP_WORDS[0]}
	local cmds="report live attribute capture synth"
	COMPREPLY=()
	if [ "$COMP_CWORD" = 1 ]; then
		COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
		return
	fi
	local cmd=${COMP_WORDS[1]}
	case $prev in
	-i | --interface) COMPREPLY=($(compgen -W "$(_nfstk_ifaces)" -- "$cur")); return ;;
	--html | --per-rpc | --app | -w | --write | -r | --read) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--split-at) COMPREPLY=($(compgen -W "last first" -- "$cur")); return ;;
	--vantage | --offset)
		if [[ $cur == *=* ]] && [ "$prev" = --vantage ]; then
			COMPREPLY=($(compgen -f -- "${cur#*=}"))
			COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
		else
			compopt -o nospace 2>/dev/null
			COMPREPLY=($(compgen -W "guest= host-in= host-out= storage=" -- "$cur"))
		fi
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_nfstk_opts "$prog" "$cmd")" -- "$cur"))
	elif [ "$cmd" = report ] || [ "$cmd" = synth ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_nfstune()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} prog=${COMP_WORDS[0]}
	local cmds="show plan apply verify revert journals sweep"
	COMPREPLY=()
	case $prev in
	--root | --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--html) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
	--delay) COMPREPLY=($(compgen -W "100ms 300ms 1s" -- "$cur")); return ;;
	esac
	# the command: the first word that is not an option or an option's value
	local i cmd=""
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--root | --state-dir | --html | --netns | --delay) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_nfstk_opts "$prog" $cmd)" -- "$cur"))
	elif [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
	else
		case $cmd in
		show) COMPREPLY=($(compgen -W "$(_nfstk_ifaces)" -- "$cur")) ;;
		plan | apply | verify | sweep | revert) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac
	fi
}

complete -F _nfsbench nfsbench nfsbench-mpi
complete -F _nfscap nfscap
complete -F _nfstune nfstune
