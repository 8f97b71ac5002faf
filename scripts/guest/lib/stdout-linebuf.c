// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into the upstream programs of the mm suite (scripts/guest.sh):
 * their stdout line-buffered even when it is a file, as on the console.
 * scripts/guest/init captures the output of a program that prints no TAP,
 * to give it a result line from its exit status; fully buffered, the lines
 * a program printed before abort() (memfd_test's reason) would be lost.
 */
#include <stdio.h>

__attribute__((constructor)) static void rig_stdout_linebuf(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
