/* main.c — PLACEHOLDER until the capture pipeline lands (issue 3). */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "sipscope: not built yet\n");
    return 2;
}
