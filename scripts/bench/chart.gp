# Bar chart of scripts/bench.sh: each figure's median as a ratio to /bin/true in the same
# run (log scale). Call: gnuplot -e "datafile='...'; outfile='...'" chart.gp
set terminal pngcairo size 1200,700 font ",10"
set output outfile
set title "docker-credential-darcy: median wall time as a multiple of /bin/true (log scale)"
set ylabel "× /bin/true"
set logscale y
set yrange [0.5:*]
set grid ytics mytics
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -40 left nomirror
set bmargin 11
set rmargin 8
unset key
set arrow from graph 0, first 1.2 to graph 1, first 1.2 nohead dt 2 lc rgb "red"
set label "dashed line: 1.2 × /bin/true (hot get budget)" at graph 0.01, graph 0.96 tc rgb "red"
plot datafile using 0:2:xtic(1) with boxes lc rgb "#4477aa", \
     '' using 0:2:($2 >= 10 ? sprintf("%.0f", $2) : sprintf("%.2g", $2)) with labels offset 0,0.7 font ",8"
