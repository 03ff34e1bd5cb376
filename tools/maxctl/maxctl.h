/*
 * maxctl.h — the parts of the operator's command line (tools/maxctl.c is
 * the command table and the existing account commands; tools/maxctl/ the
 * data, file and configuration commands).
 */
#ifndef MAX_TOOLS_MAXCTL_H
#define MAX_TOOLS_MAXCTL_H

#include <stdio.h>

struct max_config;
struct store;

/* One command's run: its arguments after the command name (options
 * removed), the configuration, the database (NULL for commands that do not
 * open it) and the flags the command line set. */
struct run {
	const char *cmd;
	char **args;
	int nargs;
	const char *cfg_path;
	struct max_config *cfg;
	struct store *db;
	const char *scope; /* token --scope */
	const char *var;   /* config-template --var */
	int json, yes, force, roff, full;
	char user[256]; /* the normalised USER argument */
};

/* data.c */
int cmd_export(struct run *r);
int cmd_forget(struct run *r);
int cmd_stats(struct run *r);

/* files.c */
int cmd_backup(struct run *r);
int cmd_restore(struct run *r);
/* pid of another process that has file (or its -wal/-shm) open, 0 none. */
int file_in_use(const char *file);

/* config_doc.c */
const char *config_doc(const char *section, const char *key);
/* Counts (and reports through fn, may be NULL) the keys without an
 * explanation and the explanations without a key. */
int config_doc_missing(void (*fn)(const char *section, const char *key));
/* A commented max.ini with every key (roff: the man page's key list);
 * var: the data paths set under that folder. */
void config_template(FILE *f, int roff, const char *var);

#endif
