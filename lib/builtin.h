/* SPDX-License-Identifier: GPL-2.0 */
/* One function per subcommand, perf-style: cmd_NAME(argc, argv) in builtin-NAME.c. */
#ifndef MAPCOUNT_BUILTIN_H
#define MAPCOUNT_BUILTIN_H

int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* mapcount gen --workload (lib/gen-workload.c) */
int mc_gen_wants_workload(int argc, char **argv);
int cmd_gen_workload(int argc, char **argv);

#endif
