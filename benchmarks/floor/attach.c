#include <bpf/libbpf.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
static volatile int stop;
static void on(int s) { stop = 1; }
int main(int argc, char **argv) {
  struct bpf_object *o = bpf_object__open_file(argv[1], NULL);
  if (!o || bpf_object__load(o)) { fprintf(stderr, "load failed\n"); return 1; }
  struct bpf_program *p; int n = 0;
  bpf_object__for_each_program(p, o) { if (!bpf_program__attach(p)) { fprintf(stderr, "attach %s failed\n", bpf_program__name(p)); return 1; } n++; }
  signal(SIGINT, on); signal(SIGTERM, on);
  printf("attached %d programs\n", n); fflush(stdout);
  while (!stop) pause();
  return 0;
}
